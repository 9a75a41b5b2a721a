namespace Orchestrator.Ops.Core.State;

/// <summary>One numbered, forward-only schema change of the SQLite store.</summary>
public sealed record SqliteMigration(int Version, string Description, string Sql);
