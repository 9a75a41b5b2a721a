namespace Orchestrator.Ops.Service.Tests; public class ServiceSmokeTests { [Fact] public void The_service_assembly_loads() => Assert.NotNull(typeof(Orchestrator.Ops.Core.OpsEngine).Assembly); }
