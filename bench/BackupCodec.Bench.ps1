#Requires -Version 7.4

<#
.SYNOPSIS
    Picks the backup codec: gzip (Fastest) against zstd levels 1-3 on a generated mixed tree of about 200 MB,
    then a whole BackupArchive.WriteAsync (read + hash + tar on one thread, compress + hash + write on the other)
    with each codec the engine ships.

.DESCRIPTION
    The tree is what an ops root holds, in made-up but realistic proportions: log files (timestamps, levels, wrapper
    names, latencies, random request ids), JSON records, two database-like files (4 KiB pages, rows and free space) and
    already-compressed blobs (random bytes). Generated from fixed seeds, so runs compare.

    Part 1, codec alone: the tree as one tar in memory, compressed on one thread into a counting sink; best of
    -Iterations runs. Part 2, the engine: WriteAsync of the tree from disk (page cache warm) into a temp folder; wall
    time, and process CPU time over wall time (near 2.0 means both cores were busy).
#>
param([int] $Iterations = 3, [int] $TotalMegabytes = 200)

$ErrorActionPreference = 'Stop'
$manifest = $env:ORCHESTRATOR_OPS_MODULE
if (-not $manifest -or -not (Test-Path $manifest)) {
    throw 'ORCHESTRATOR_OPS_MODULE must name the built module manifest; run `dotnet pwsh ./build.ps1 Bench`.'
}

$deps = Join-Path (Split-Path $manifest -Parent) 'deps'
$zstdPath = Join-Path $deps 'ZstdSharp.dll'
$corePath = Join-Path $deps 'Orchestrator.Ops.Core.dll'
$null = [Reflection.Assembly]::LoadFrom($zstdPath)
$null = [Reflection.Assembly]::LoadFrom($corePath)

# CS1701 (net8.0 assemblies compiled against this newer runtime) is expected; Add-Type would print it once per reference.
Add-Type -IgnoreWarnings -WarningAction SilentlyContinue -ReferencedAssemblies $zstdPath, $corePath, 'System.Formats.Tar', 'System.IO.Compression', 'System.Collections', 'System.Linq', 'System.Runtime', 'System.Threading', 'System.Threading.Tasks', 'System.Diagnostics.Process', 'System.ComponentModel.Primitives' -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading;
using Orchestrator.Ops.Core.Backups;

public static class BackupCodecBench
{
    public static List<string> Generate(string folder, long totalBytes)
    {
        var files = new List<string>();
        var random = new Random(20261128);
        string[] wrappers = { "routellm", "poml", "external-tools" };
        string[] levels = { "INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR" };

        // 40 % logs, 20 % JSON, 25 % database-like, 15 % already compressed.
        long logs = totalBytes * 40 / 100, json = totalBytes * 20 / 100, db = totalBytes * 25 / 100, blobs = totalBytes - logs - json - db;
        var time = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; logs > 0; i++)
        {
            var path = Path.Combine(folder, "logs", $"ops-{i:D3}.log");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var sb = new StringBuilder();
            while (sb.Length < 2_000_000)
            {
                time = time.AddMilliseconds(random.Next(1, 400));
                var w = wrappers[random.Next(wrappers.Length)];
                sb.Append(time.ToString("O")).Append(' ').Append(levels[random.Next(levels.Length)]).Append(' ')
                  .Append(w).Append(" probe status=").Append(random.Next(20) == 0 ? 503 : 200)
                  .Append(" latency_ms=").Append(random.Next(3, 900))
                  .Append(" slot=").Append(random.Next(2) == 0 ? "blue" : "green")
                  .Append(" request_id=").Append(random.NextInt64().ToString("x16")).Append('\n');
            }
            var bytes = Encoding.UTF8.GetBytes(sb.ToString());
            File.WriteAllBytes(path, bytes);
            files.Add(path);
            logs -= bytes.Length;
        }
        for (var i = 0; json > 0; i++)
        {
            var path = Path.Combine(folder, "reports", $"report-{i:D4}.json");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var sb = new StringBuilder("[\n");
            while (sb.Length < 100_000)
            {
                sb.Append("  { \"wrapper\": \"").Append(wrappers[random.Next(wrappers.Length)])
                  .Append("\", \"p50\": ").Append(random.Next(5, 200)).Append('.').Append(random.Next(10))
                  .Append(", \"p95\": ").Append(random.Next(100, 900)).Append('.').Append(random.Next(10))
                  .Append(", \"requests\": ").Append(random.Next(1000, 100000))
                  .Append(", \"healthScore\": 0.").Append(random.Next(100, 999)).Append(" },\n");
            }
            sb.Append("  {}\n]\n");
            var bytes = Encoding.UTF8.GetBytes(sb.ToString());
            File.WriteAllBytes(path, bytes);
            files.Add(path);
            json -= bytes.Length;
        }
        for (var i = 0; i < 2; i++)
        {
            var path = Path.Combine(folder, "state", $"ops-{i}.db");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var stream = File.Create(path);
            var page = new byte[4096];
            for (long written = 0; written < db / 2; written += page.Length)
            {
                Array.Clear(page);
                // Rows of (rowid, timestamp, status, latency, short text) filling 40-90 % of the page; the rest free.
                var used = page.Length * random.Next(40, 90) / 100;
                var ms = new MemoryStream(page);
                var bw = new BinaryWriter(ms);
                bw.Write((byte)13);
                while (ms.Position < used - 48)
                {
                    bw.Write(written + ms.Position);
                    bw.Write(time.Ticks + random.Next(0, 100000));
                    bw.Write((short)(random.Next(20) == 0 ? 503 : 200));
                    bw.Write(random.Next(3, 900));
                    bw.Write(wrappers[random.Next(wrappers.Length)]);
                }
                stream.Write(page);
            }
            files.Add(path);
        }
        for (var i = 0; i < 3; i++)
        {
            var path = Path.Combine(folder, "artifacts", $"blob-{i}.bin");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var bytes = new byte[blobs / 3];
            random.NextBytes(bytes);
            File.WriteAllBytes(path, bytes);
            files.Add(path);
        }
        return files;
    }

    public static byte[] Tar(string folder, List<string> files)
    {
        var ms = new MemoryStream();
        using (var tar = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var f in files)
            {
                tar.WriteEntry(f, Path.GetRelativePath(folder, f).Replace('\\', '/'));
            }
        }
        return ms.ToArray();
    }

    private sealed class CountingSink : Stream
    {
        public long Count;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Count;
        public override long Position { get => Count; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Count += count;
        public override void Write(ReadOnlySpan<byte> buffer) => Count += buffer.Length;
    }

    /// <summary>Best-of-n single-thread compression of the tar: (seconds, compressed bytes).</summary>
    public static double[] Codec(byte[] tar, string codec, int level, int iterations)
    {
        var best = double.MaxValue;
        long size = 0;
        for (var i = 0; i < iterations; i++)
        {
            var sink = new CountingSink();
            var sw = Stopwatch.StartNew();
            using (Stream c = codec == "gzip"
                ? new GZipStream(sink, level == 1 ? CompressionLevel.Fastest : CompressionLevel.Optimal, leaveOpen: true)
                : new ZstdSharp.CompressionStream(sink, level, leaveOpen: true))
            {
                for (var offset = 0; offset < tar.Length; offset += 128 * 1024)
                {
                    c.Write(tar, offset, Math.Min(128 * 1024, tar.Length - offset));
                }
            }
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
            size = sink.Count;
        }
        return new[] { best, size };
    }

    /// <summary>Best-of-n WriteAsync of the tree: (wall seconds, CPU seconds, archive bytes, verify-with-data seconds).</summary>
    public static double[] Engine(string folder, List<string> files, string codec, string root, int iterations)
    {
        var sources = files.Select(f => new BackupSource(f, Path.GetRelativePath(folder, f).Replace('\\', '/'))).ToList();
        var best = new[] { double.MaxValue, 0, 0, 0 };
        var process = Process.GetCurrentProcess();
        for (var i = 0; i < iterations; i++)
        {
            var id = $"bench-{codec}-{i}";
            var header = new BackupManifest { Id = id, CreatedAt = DateTimeOffset.UtcNow, Host = "bench", Codec = codec };
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            var manifest = BackupArchive.WriteAsync(root, header, sources, null, CancellationToken.None).GetAwaiter().GetResult();
            var wall = sw.Elapsed.TotalSeconds;
            process.Refresh();
            var cpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
            sw.Restart();
            var check = BackupArchive.VerifyAsync(root, id, true, null, CancellationToken.None).GetAwaiter().GetResult();
            var verify = sw.Elapsed.TotalSeconds;
            if (!check.Passed) throw new InvalidOperationException("The bench backup did not verify.");
            if (wall < best[0]) best = new[] { wall, cpuSeconds, manifest.CompressedBytes, verify };
            BackupArchive.Delete(root, id);
        }
        return best;
    }
}
'@

$work = Join-Path ([IO.Path]::GetTempPath()) ('ops-bench-backup-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
try {
    $tree = Join-Path $work 'tree'
    $files = [BackupCodecBench]::Generate($tree, [long] $TotalMegabytes * 1MB)
    $tar = [BackupCodecBench]::Tar($tree, $files)
    $mb = $tar.Length / 1MB
    "Tree: $($files.Count) files, tar $([math]::Round($mb, 1)) MiB; $([Environment]::ProcessorCount) cores; best of $Iterations"
    ''
    'Codec alone (one thread, tar in memory):'
    $rows = foreach ($c in @(@('gzip', 1, 'gzip Fastest'), @('gzip', 2, 'gzip Optimal'), @('zstd', 1, 'zstd 1'), @('zstd', 2, 'zstd 2'), @('zstd', 3, 'zstd 3'))) {
        $r = [BackupCodecBench]::Codec($tar, $c[0], $c[1], $Iterations)
        [pscustomobject]@{
            Codec    = $c[2]
            Seconds  = [math]::Round($r[0], 2)
            'MiB/s'  = [math]::Round($mb / $r[0], 0)
            'Out MiB' = [math]::Round($r[1] / 1MB, 1)
            Ratio    = [math]::Round($tar.Length / $r[1], 2)
        }
    }
    $rows | Format-Table -AutoSize | Out-String -Width 200
    'BackupArchive.WriteAsync (files on disk, page cache warm; then VerifyAsync -ReadData):'
    $rows = foreach ($codec in 'zstd', 'gzip') {
        $r = [BackupCodecBench]::Engine($tree, $files, $codec, (Join-Path $work 'backups'), $Iterations)
        [pscustomobject]@{
            Codec          = $codec
            WriteSeconds   = [math]::Round($r[0], 2)
            'MiB/s'        = [math]::Round($mb / $r[0], 0)
            'CPU/wall'     = [math]::Round($r[1] / $r[0], 2)
            Ratio          = [math]::Round($tar.Length / $r[2], 2)
            VerifySeconds  = [math]::Round($r[3], 2)
        }
    }
    $rows | Format-Table -AutoSize | Out-String -Width 200
}
finally {
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
