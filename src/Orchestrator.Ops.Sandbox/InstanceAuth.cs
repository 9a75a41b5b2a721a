using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Orchestrator.Ops.Sandbox;

/// <summary>Outcome of checking one request's credentials.</summary>
internal enum AuthOutcome
{
    /// <summary>A presented token equals the current or the previous token.</summary>
    Accepted,

    /// <summary>The env file or the wrapper's <c>_TOKEN</c> variable is missing: every request is refused.</summary>
    NotProvisioned,

    /// <summary>Neither <c>Authorization: Bearer</c> nor <c>X-Api-Key</c> was sent.</summary>
    NoCredentials,

    /// <summary>A token was sent but matches neither token.</summary>
    InvalidToken,
}

/// <summary>
/// Token check of one wrapper instance against its slot's env file: the token is the value of
/// <c>&lt;WRAPPER&gt;_TOKEN</c>, and during a rotation's grace period <c>&lt;WRAPPER&gt;_TOKEN_PREVIOUS</c> is accepted too.
/// Tokens are compared in constant time and never written anywhere.
/// </summary>
internal sealed class InstanceAuth
{
    /// <summary>Presented tokens longer than this are refused without comparing.</summary>
    internal const int MaxTokenChars = 4096;

    private const int StackBytes = 512;
    private const string ApiKeyHeader = "X-Api-Key";
    private const string BearerPrefix = "Bearer ";

    private readonly TokenFile _file;

    public InstanceAuth(string wrapper, TokenFile file)
    {
        _file = file;
        Variable = VariableFor(wrapper);
        PreviousVariable = Variable + "_PREVIOUS";
    }

    /// <summary>The variable holding the current token, e.g. <c>EXTERNAL_TOOLS_TOKEN</c>.</summary>
    public string Variable { get; }

    /// <summary>The variable holding the previous token during a grace period.</summary>
    public string PreviousVariable { get; }

    /// <summary>Full path of the env file checked.</summary>
    public string FilePath => _file.FilePath;

    /// <summary>The token variable of a wrapper: its name upper-cased, '-' replaced by '_', plus <c>_TOKEN</c>.</summary>
    public static string VariableFor(string wrapper) =>
        wrapper.ToUpperInvariant().Replace('-', '_') + "_TOKEN";

    /// <summary>Checks the request's <c>Authorization: Bearer</c> and <c>X-Api-Key</c> headers.</summary>
    public AuthOutcome Check(IHeaderDictionary headers)
    {
        var values = _file.Snapshot.Values;
        if (!values.TryGetValue(Variable, out var current))
        {
            return AuthOutcome.NotProvisioned;
        }

        values.TryGetValue(PreviousVariable, out var previous);
        var presented = false;
        var accepted = false;
        foreach (var value in headers.Authorization)
        {
            if (value is not null && value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
            {
                presented = true;
                accepted |= Matches(value.AsSpan(BearerPrefix.Length).Trim(), current, previous);
            }
        }

        if (headers.TryGetValue(ApiKeyHeader, out StringValues apiKeys))
        {
            foreach (var value in apiKeys)
            {
                if (value is not null)
                {
                    presented = true;
                    accepted |= Matches(value.AsSpan().Trim(), current, previous);
                }
            }
        }

        return accepted ? AuthOutcome.Accepted : presented ? AuthOutcome.InvalidToken : AuthOutcome.NoCredentials;
    }

    /// <summary>Constant-time comparison of the presented token's UTF-8 bytes with both tokens (no early exit between them).</summary>
    internal static bool Matches(ReadOnlySpan<char> presented, byte[] current, byte[]? previous)
    {
        if (presented.IsEmpty || presented.Length > MaxTokenChars)
        {
            return false;
        }

        var max = Encoding.UTF8.GetMaxByteCount(presented.Length);
        byte[]? rented = null;
        var buffer = max <= StackBytes ? stackalloc byte[StackBytes] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var bytes = buffer[..Encoding.UTF8.GetBytes(presented, buffer)];
            var matchesCurrent = CryptographicOperations.FixedTimeEquals(bytes, current);
            var matchesPrevious = previous is not null && CryptographicOperations.FixedTimeEquals(bytes, previous);
            return matchesCurrent | matchesPrevious;
        }
        finally
        {
            if (rented is not null)
            {
                CryptographicOperations.ZeroMemory(rented.AsSpan(0, max));
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
