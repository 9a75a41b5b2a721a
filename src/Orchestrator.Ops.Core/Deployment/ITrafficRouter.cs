using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>What a switch asks of a router: route new traffic from one slot to another.</summary>
/// <param name="From">The slot that takes traffic now.</param>
/// <param name="To">The slot that should take new traffic.</param>
/// <param name="Wrappers">The configured wrappers (their health paths prove a switch through the router).</param>
public sealed record RouterSwitchRequest(SlotDefinition From, SlotDefinition To, IReadOnlyList<WrapperDefinition> Wrappers);

/// <summary>What a router did.</summary>
/// <param name="Router">The router kind, as configured (gateway, nginx, file).</param>
/// <param name="Detail">One line: what changed and how it was proven.</param>
public sealed record RouterSwitchOutcome(string Router, string Detail);

/// <summary>
/// A traffic router behind a small interface (gateway, nginx, a pointer file). A switch changes only the router;
/// the deployment capability records the active slot in the store. A router that fails leaves the previous routing in
/// place (restoring whatever it changed) and throws <see cref="DeploymentException"/> with
/// <see cref="DeploymentFailure.RouterFailed"/>.
/// </summary>
public interface ITrafficRouter
{
    RouterKind Kind { get; }

    /// <summary>One sentence for -WhatIf: what switching would change.</summary>
    string DescribeSwitch(RouterSwitchRequest request);

    /// <summary>Routes new traffic to <see cref="RouterSwitchRequest.To"/>, and proves it where the router can.</summary>
    Task<RouterSwitchOutcome> SwitchAsync(RouterSwitchRequest request, CancellationToken cancellationToken);

    /// <summary>The slot the router sends traffic to now, when it can tell; null when it cannot (a crash check uses it).</summary>
    Task<string?> GetRoutedSlotAsync(CancellationToken cancellationToken);
}
