namespace Orchestrator.Ops.Core.Logs;

/// <summary>The checks a search or an aggregate makes of its request before it reads anything.</summary>
internal static class LogRequestValidator
{
    public static void Validate(LogSearchRequest request)
    {
        ValidateRange(request.Since, request.Until);
        if (request.Tail is < 0)
        {
            throw new LogException(LogFailure.BadRequest, "Tail", $"-Tail must be 0 or more, not {request.Tail}.");
        }
    }

    public static void Validate(LogMeasureRequest request) => ValidateRange(request.Since, request.Until);

    private static void ValidateRange(DateTimeOffset? since, DateTimeOffset? until)
    {
        if (since is { } s && until is { } u && s >= u)
        {
            throw new LogException(LogFailure.BadRequest, "Since",
                $"-Since ({s:u}) must be before -Until ({u:u}); nothing lies between them.");
        }
    }
}
