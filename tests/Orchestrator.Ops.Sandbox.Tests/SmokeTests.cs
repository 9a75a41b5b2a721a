namespace Orchestrator.Ops.Sandbox.Tests; public class SmokeTests { [Fact] public void Builds() => Assert.True(true); }
