namespace Orchestrator.Ops.PowerShell.Tests; public class SmokeTests { [Fact] public void Builds() => Assert.True(true); }
