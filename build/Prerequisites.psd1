@{
    # Every program outside the .NET SDK that a build.ps1 task or its tests run: one list, in one place.
    # Command: what must be on PATH. Package: the Debian package that provides it. Tasks: the build.ps1
    # tasks that need it. Why: said when it is missing.
    # Later issues add their servers here (PostgreSQL's, Prometheus, Alertmanager, ...).
    Programs = @(
        @{ Command = 'nginx'; Package = 'nginx'; Tasks = @('Test', 'Bench'); Why = 'the nginx router tests and the gateway benchmark run a real nginx on loopback' }
        @{ Command = 'chromium'; Package = 'chromium'; Tasks = @('Test'); Why = 'the dashboard test drives headless Chromium' }
        @{ Command = 'curl'; Package = 'curl'; Tasks = @('Test'); Why = 'a service test runs the runbook''s own curl commands' }
        @{ Command = 'script'; Package = 'bsdutils'; Tasks = @('Test'); Why = 'the passphrase-prompt tests give a child pwsh a real terminal with util-linux script' }
        @{ Command = 'systemd-analyze'; Package = 'systemd'; Tasks = @('Test'); Why = 'the example systemd units are checked with systemd-analyze verify' }
        @{ Command = 'kill'; Package = 'procps'; Tasks = @('Test'); Why = 'a service test stops the service with kill -TERM, as systemd does' }
        @{ Command = 'wrk'; Package = 'wrk'; Tasks = @('Bench'); Why = 'the benchmarks load the gateway with wrk' }
        @{ Command = 'sqlite3'; Package = 'sqlite3'; Tasks = @('Bench'); Why = 'the history benchmark fills and queries a store with sqlite3' }
    )
}
