using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.LogWriting;
using Orchestrator.Ops.Core.State;
using Orchestrator.Ops.Service.Gateway;

namespace Orchestrator.Ops.Service;

/// <summary>Builds the monitoring service over one engine: HTTPS on the loopback address, the API key, the API and the monitor loop.</summary>
public static class ServiceHost
{
    /// <summary>
    /// Opens the engine, loads (or creates) the certificate and API key, and builds the app. The engine is disposed
    /// with the app. Ports and addresses are known once the app has started.
    /// </summary>
    public static async Task<WebApplication> BuildAsync(OpsConfig config, ServiceHostOptions? options, CancellationToken cancellationToken = default)
    {
        options ??= new ServiceHostOptions();
        var time = options.Time ?? TimeProvider.System;
        var engine = await OpsEngine.OpenAsync(config, new OpsEngineOptions { Time = time, Logger = options.Logger }, cancellationToken).ConfigureAwait(false);
        try
        {
            var log = engine.Log.ForCategory("service");
            await SecretWatcher.ProvisionApiKeyAsync(engine, log, cancellationToken).ConfigureAwait(false);
            _ = ApiKeyFile.LoadOrCreate(config.Service.ApiKeyPath, out var keyCreated);
            if (keyCreated)
            {
                log.Information("Generated a new API key in {ApiKeyPath} (mode 0600)", config.Service.ApiKeyPath);
            }

            var certificate = ServiceCertificate.Load(config.Service, time, out var certificatePath);
            var state = new ServiceState(config, certificate, certificatePath, ServiceCertificate.Thumbprint(certificate));

            // The content root is the install folder, not the working directory (the ops root, where logs, the store and
            // backups are written): the host's default JSON sources are looked for there and never watched, so no
            // appsettings.json dropped beside our files reconfigures Kestrel, and no file watcher wakes on every log write
            // (measured: ~3 µs of CPU and 0.1 thread wake-up per proxied request; bench/README).
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
            {
                ApplicationName = typeof(ServiceHost).Assembly.GetName().Name,
                ContentRootPath = AppContext.BaseDirectory,
                Args = ["--hostBuilder:reloadConfigOnChange=false"],
            });
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);

            // ASP.NET Core starts an Activity and a logging scope for every request whenever its hosting category is
            // enabled at any level, even if nothing it writes passes the filter. That category writes request
            // start/finish lines (Information) and web-host startup failures, which the host also throws (and we report
            // them), so it is off: a proxied request then costs ~1.5-2 µs less CPU, about 4 % (bench/README). Warnings
            // and errors of Kestrel and the pipeline keep their own categories.
            builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);

            var address = IPAddress.Parse(config.Service.ListenAddress);
            var port = options.ApiPort ?? config.Service.ApiPort;
            var gatewayPort = options.GatewayPort ?? config.Service.GatewayPort;
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.AddServerHeader = false;
                k.Listen(address, port, listen => listen.UseHttps(certificate));
                k.Listen(address, gatewayPort, GatewayHosting.Listen);
            });

            builder.Services.AddSingleton(_ => engine);
            builder.Services.AddSingleton(time);
            builder.Services.AddSingleton(state);
            builder.Services.AddSingleton(new ApiKeyHolder(config.Service.ApiKeyPath, time));
            builder.Services.AddSingleton(new FailedAuthTracker(config.Service.FailedAuthLimit, config.Service.FailedAuthWindow, time));
            builder.Services.AddSingleton(engine.Log);
            builder.Services.AddSingleton<MonitorLoop>();
            if (options.RunMonitor)
            {
                builder.Services.AddHostedService(sp => sp.GetRequiredService<MonitorLoop>());
            }

            builder.Services.AddSingleton(options);
            builder.Services.AddSingleton<SecretWatcher>();
            if (options.RunSecretWatcher)
            {
                builder.Services.AddHostedService(sp => sp.GetRequiredService<SecretWatcher>());
            }

            builder.Services.AddSingleton<DeploymentWatcher>();
            if (options.RunDeploymentWatcher)
            {
                builder.Services.AddHostedService(sp => sp.GetRequiredService<DeploymentWatcher>());
            }

            builder.Services.AddGateway(options.TrafficFlushInterval);

            options.ConfigureBuilder?.Invoke(builder);
            var app = builder.Build();
            app.MapGateway();

            // Routing after the gateway's branch, so proxied requests skip matching the API's endpoints.
            app.UseRouting();
            app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = HandleException });
            app.UseStatusCodePages(ctx => StatusCodeBody(ctx.HttpContext, time));
            app.UseMiddleware<ApiKeyMiddleware>();
            ApiEndpoints.Map(app);
            Dashboard.DashboardEndpoints.Map(app);
            app.Lifetime.ApplicationStopped.Register(certificate.Dispose);
            return app;
        }
        catch
        {
            await engine.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task HandleException(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        var engine = context.RequestServices.GetRequiredService<OpsEngine>();
        if (error is StateStoreException store)
        {
            engine.Log.ForCategory("service").Warning("{Method} {Path} answered 503: {Error}", context.Request.Method, context.Request.Path.Value, store.Message);
            await ApiResults.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, store.Message, time);
            return;
        }

        if (error is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        engine.Log.ForCategory("service").Error(error, "UnhandledError {Method} {Path} failed", context.Request.Method, context.Request.Path.Value);
        await ApiResults.WriteErrorAsync(context, StatusCodes.Status500InternalServerError,
            "The service failed to answer this request; see error.log under the ops root.", time);
    }

    private static Task StatusCodeBody(HttpContext context, TimeProvider time)
    {
        var status = context.Response.StatusCode;
        var message = status switch
        {
            StatusCodes.Status404NotFound => $"No such endpoint: {context.Request.Method} {context.Request.Path}.",
            StatusCodes.Status405MethodNotAllowed => $"{context.Request.Method} is not allowed on {context.Request.Path}.",
            _ => ReasonPhrases.GetReasonPhrase(status),
        };
        return ApiResults.WriteErrorAsync(context, status, message, time);
    }
}

/// <summary>What the running service is: its configuration and certificate (for the ready file).</summary>
internal sealed record ServiceState(OpsConfig Config, X509Certificate2 Certificate, string CertificatePath, string CertificateThumbprint);
