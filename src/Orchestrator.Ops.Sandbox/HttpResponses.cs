using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Orchestrator.Ops.Sandbox;

/// <summary>Small helpers to write JSON responses with a Content-Length.</summary>
internal static class HttpResponses
{
    public static Task WriteJsonAsync<T>(HttpContext context, int status, T value, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, JsonDefaults.Options);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = bytes.Length;
        return HttpMethods.IsHead(context.Request.Method)
            ? Task.CompletedTask
            : context.Response.Body.WriteAsync(bytes, cancellationToken).AsTask();
    }

    public static Task WriteErrorAsync(HttpContext context, int status, string message, string? field, CancellationToken cancellationToken) =>
        WriteJsonAsync(context, status, new ErrorBody(message, field), cancellationToken);

    internal sealed record ErrorBody(string Error, string? Field);
}
