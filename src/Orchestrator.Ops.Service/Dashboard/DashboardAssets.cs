using Microsoft.AspNetCore.Http;

namespace Orchestrator.Ops.Service.Dashboard;

/// <summary>
/// The dashboard's page, script, style and icon, embedded in the assembly so the service serves them itself (no CDN,
/// no files beside the binary). They carry no fleet data: everything on the page comes from the authenticated API.
/// </summary>
internal static class DashboardAssets
{
    /// <summary>Where the assets live; these paths (and only these) are open without the API key.</summary>
    public const string Prefix = "/dashboard/";

    private static readonly Dictionary<string, Asset> Assets = new(StringComparer.Ordinal)
    {
        ["index.html"] = Load("index.html", "text/html; charset=utf-8"),
        ["app.js"] = Load("app.js", "text/javascript; charset=utf-8"),
        ["app.css"] = Load("app.css", "text/css; charset=utf-8"),
        ["favicon.svg"] = Load("favicon.svg", "image/svg+xml"),
    };

    /// <summary>The page and its assets are what a browser must load before it can ask for the key.</summary>
    public static bool IsOpen(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        && (request.Path.Equals("/", StringComparison.Ordinal) || request.Path.StartsWithSegments("/dashboard", StringComparison.Ordinal));

    public static IResult Serve(HttpContext context, string name)
    {
        if (!Assets.TryGetValue(name, out var asset))
        {
            return Results.NotFound();
        }

        var headers = context.Response.Headers;
        // No inline script or style anywhere on the page, so the policy can stay strict.
        headers.ContentSecurityPolicy =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        headers.CacheControl = "no-cache";
        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static Asset Load(string name, string contentType)
    {
        var resource = $"Dashboard.{name}";
        using var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The dashboard asset '{resource}' is not embedded in the service assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return new Asset(copy.ToArray(), contentType);
    }

    private sealed record Asset(byte[] Content, string ContentType);
}
