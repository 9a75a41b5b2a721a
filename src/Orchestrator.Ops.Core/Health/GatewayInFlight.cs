using System.Globalization;
using System.Text.Json;

namespace Orchestrator.Ops.Core.Health;

/// <summary>
/// The gateway's count of requests in flight, as it publishes it to the store setting <see cref="SettingKey"/>
/// (<c>{"count":N,"at":"2026-11-27T10:15:00.0000000Z"}</c>). The runbook's <c>active_operations</c>.
/// The gateway counts in memory and publishes about once a second, so no request ever waits on the store.
/// </summary>
public sealed record GatewayInFlight(int Count, DateTimeOffset At)
{
    /// <summary>The settings key the gateway publishes under.</summary>
    public const string SettingKey = "gateway.in_flight";

    /// <summary>How long a published count is believed; an older one means no gateway is publishing (stopped or crashed).</summary>
    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(5);

    /// <summary>Whether the count was published within <see cref="FreshFor"/> before <paramref name="now"/>.</summary>
    public bool IsFreshAt(DateTimeOffset now) => now - At < FreshFor;

    public string ToJson() =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["count"] = Count,
            ["at"] = At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        });

    /// <summary>The published value, or null when missing or unreadable (treated as "no gateway publishing").</summary>
    public static GatewayInFlight? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("count", out var count) && count.TryGetInt32(out var n) && n >= 0
                && root.TryGetProperty("at", out var at) && at.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(at.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
            {
                return new GatewayInFlight(n, when);
            }

            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
