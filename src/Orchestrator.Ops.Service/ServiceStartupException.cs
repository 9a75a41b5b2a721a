namespace Orchestrator.Ops.Service;

/// <summary>The service cannot start (certificate, API key file); the message says what to do.</summary>
public sealed class ServiceStartupException(string message, Exception? inner = null) : Exception(message, inner);
