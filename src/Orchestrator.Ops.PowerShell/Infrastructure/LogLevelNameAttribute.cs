using System.Management.Automation;

namespace Orchestrator.Ops.PowerShell.Infrastructure;

/// <summary>Lets a log-level parameter take the other names levels go by: Warning, Information, Critical, Verbose, Err, Inf, Wrn, Dbg, Ftl.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class LogLevelNameAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject p ? p.BaseObject : inputData;
        return value switch
        {
            string s => Map(s),
            object[] many => many.Select(v => (v is PSObject o ? o.BaseObject : v) is string s ? Map(s) : v).ToArray(),
            _ => inputData,
        };
    }

    private static object Map(string name) => name.Trim().ToUpperInvariant() switch
    {
        "WARNING" or "WRN" => "Warn",
        "INFORMATION" or "INF" => "Info",
        "CRITICAL" or "CRIT" or "FTL" => "Fatal",
        "VERBOSE" or "VRB" or "TRC" => "Trace",
        "ERR" => "Error",
        "DBG" => "Debug",
        _ => name,
    };
}
