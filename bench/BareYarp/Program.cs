// The bench's bare-YARP baseline: every request on 127.0.0.1:<port> goes to <upstream> through YARP's IHttpForwarder
// with the gateway's HttpClient settings and the wrapper's bearer token added, and nothing else: no routing by wrapper,
// no access log, no traffic records, no logging at all. Usage: BareYarp <port> <upstream URL> <token file>.
// The token comes from an owner-only file, never from the command line.
using System.Net;
using System.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

if (args.Length != 3 || !int.TryParse(args[0], out var port) || !Uri.TryCreate(args[1], UriKind.Absolute, out var upstream))
{
    Console.Error.WriteLine("usage: BareYarp <port> <upstream URL> <token file>");
    return 2;
}

var token = File.ReadAllText(args[2]).Trim();
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k =>
{
    k.AddServerHeader = false;
    k.Listen(IPAddress.Loopback, port);
});
builder.Services.AddHttpForwarder();
var app = builder.Build();

var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
using var invoker = new HttpMessageInvoker(new SocketsHttpHandler
{
    UseProxy = false,
    AllowAutoRedirect = false,
    AutomaticDecompression = DecompressionMethods.None,
    UseCookies = false,
    ActivityHeadersPropagator = null,
}, disposeHandler: true);
var prefix = upstream.AbsoluteUri.TrimEnd('/');
var transformer = new BearerTransformer(token);
app.Run(async context => await forwarder.SendAsync(context, prefix, invoker, ForwarderRequestConfig.Empty, transformer));
await app.RunAsync();
return 0;

internal sealed class BearerTransformer(string token) : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        proxyRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }
}
