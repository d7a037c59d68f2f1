using System.Diagnostics;
using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using JobQueue.Tests.Infrastructure;
using Microsoft.Playwright;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace JobQueue.Tests.Packaging;

/// <summary>
/// The packages a .NET team adds, made as docs/library.md's "Use it in your app" says (<c>dotnet pack -c Release -o
/// artifacts/packages</c>), then used by the sample app the way a team uses them: restored from that folder.
/// </summary>
[TakesAbout(105)]
public sealed class PackageTests(PackageTests.PackedFixture packed, RedisServerFixture redis, BrowserFixture browser, ITestOutputHelper output)
    : IClassFixture<PackageTests.PackedFixture>, IClassFixture<RedisServerFixture>, IClassFixture<BrowserFixture>
{
    private static readonly string[] Packages =
        ["JobQueue.Core", "JobQueue.Processing", "JobQueue.Client", "JobQueue.Dashboard", "JobQueue.Hosting", "JobQueue.Hosting.RedisServer"];

    [Fact]
    public void Each_package_has_its_id_version_license_readme_docs_and_symbols_and_one_version_for_all()
    {
        foreach (var id in Packages)
        {
            using var package = ZipFile.OpenRead(packed.PathOf(id));
            var files = package.Entries.Select(e => e.FullName).ToList();
            Assert.Contains($"lib/net10.0/{id}.dll", files);
            Assert.Contains($"lib/net10.0/{id}.xml", files);
            Assert.Contains("README.md", files);

            var nuspec = Nuspec(package);
            Assert.Equal(id, Element(nuspec, "id"));
            Assert.Equal(PackedFixture.Version, Element(nuspec, "version"));
            Assert.Equal("MIT", Element(nuspec, "license"));
            Assert.Equal("README.md", Element(nuspec, "readme"));
            Assert.False(string.IsNullOrWhiteSpace(Element(nuspec, "description")));

            using var symbols = ZipFile.OpenRead(Path.ChangeExtension(packed.PathOf(id), ".snupkg"));
            Assert.Contains($"lib/net10.0/{id}.pdb", symbols.Entries.Select(e => e.FullName));
        }

        foreach (var dependent in new[] { "JobQueue.Processing", "JobQueue.Hosting" })
        {
            using var package = ZipFile.OpenRead(packed.PathOf(dependent));
            var dependencies = Nuspec(package).Descendants().Where(e => e.Name.LocalName == "dependency").ToList();
            Assert.Contains(dependencies, d => (string?)d.Attribute("id") == "JobQueue.Core" && (string?)d.Attribute("version") == PackedFixture.Version);
        }
    }

    [Fact]
    public void The_packages_hold_only_their_own_library_no_test_code_and_no_sample_handlers()
    {
        foreach (var id in Packages)
        {
            using var package = ZipFile.OpenRead(packed.PathOf(id));
            var assemblies = package.Entries.Where(e => e.FullName.EndsWith(".dll", StringComparison.Ordinal)).Select(e => e.FullName);
            Assert.Equal([$"lib/net10.0/{id}.dll"], assemblies);

            var types = TypeNames(package, $"lib/net10.0/{id}.dll");
            output.WriteLine($"{id}: {types.Count} types");
            Assert.NotEmpty(types);
            Assert.DoesNotContain(types, t => t.Contains("Test", StringComparison.Ordinal) || t.Contains("Ledger", StringComparison.Ordinal));
            Assert.DoesNotContain(types, t => t.Split('.')[^1] is "EchoHandler" or "UppercaseHandler" or "SleepHandler" or "FailHandler");
        }
    }

    [Fact]
    public async Task The_sample_app_restored_from_the_packages_runs_its_typed_handler_and_shows_the_job_on_its_own_mounted_dashboard()
    {
        DropStaleSamplePackages();
        var (exitCode, restored) = await Dotnet.RunAsync(["build", "samples/WelcomeEmails", "-c", BuiltProject.Configuration, "-nologo", "-v", "q"], TimeSpan.FromMinutes(4));
        Assert.True(exitCode == 0, restored);
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Dotnet.RepositoryRoot };
        foreach (var arg in new[] { "run", "--no-build", "-c", BuiltProject.Configuration, "--project", "samples/WelcomeEmails", "--", "ada@example.com", "--stay=true", $"--urls=http://127.0.0.1:{port}" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ConnectionStrings__redis"] = redis.ConnectionString;
        var console = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var sample = StartCapturing(start, console);
        try
        {
            var done = await Eventually.WaitAsync(() => Task.FromResult(console.FirstOrDefault(l => l.StartsWith("job ", StringComparison.Ordinal))),
                line => line is not null, TimeSpan.FromMinutes(2), "the sample's job to end");
            output.WriteLine(string.Join('\n', console));
            var jobId = done!.Split(' ')[1];
            Assert.Equal($"job {jobId} done: {{\"to\":\"ada@example.com\",\"subject\":\"Welcome aboard\"}}", done);
            var job = await redis.Redis.GetDatabase().HashGetAsync("{jobs}:job:" + jobId, ["type", "status", "attempts"]);
            Assert.Equal(["send-welcome-email", "done", "1"], job.Select(v => v.ToString()));

            // The sample's own dashboard, from the package: the job, on this machine, with no set-up beyond two lines.
            using var http = new HttpClient();
            var page = await http.GetStringAsync($"http://127.0.0.1:{port}/dashboard/jobs/{jobId}");
            Assert.Contains("<td data-field=\"status\">done</td>", page);
            Assert.Contains("send-welcome-email", page);
            Assert.Contains("ada@example.com", page);
        }
        finally
        {
            sample.Kill(entireProcessTree: true);
            await sample.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task The_samples_own_apphost_restored_from_the_packages_shows_its_queue_in_the_aspire_dashboard_with_a_link_to_its_page()
    {
        DropStaleSamplePackages();
        var (exitCode, built) = await Dotnet.RunAsync(["build", "samples/WelcomeEmails.AppHost", "-c", BuiltProject.Configuration, "-nologo", "-v", "q"], TimeSpan.FromMinutes(6));
        Assert.True(exitCode == 0, built);

        // As `dotnet run --project samples/WelcomeEmails.AppHost` runs it, on free ports instead of its launch profile's.
        var dashboardPort = FreePort();
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Dotnet.RepositoryRoot,
            // SIGINT at its default: a test host started in the background ignores it, and the AppHost would inherit that.
            ArgumentList = { "--default-signal=INT", "dotnet", BuiltProject.AssemblyOf(Path.Combine(Dotnet.RepositoryRoot, "samples", "WelcomeEmails.AppHost", "WelcomeEmails.AppHost.csproj")) },
            Environment =
            {
                ["DOTNET_ENVIRONMENT"] = "Development",
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{dashboardPort}",
                ["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] = $"http://127.0.0.1:{FreePort()}",
                ["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://127.0.0.1:{FreePort()}",
                ["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true",
            },
        };
        var console = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var appHost = StartCapturing(start, console);
        var processes = new List<AppHostProcessTree.Member>();
        try
        {
            var login = await Eventually.WaitAsync(() => Task.FromResult(AspireDashboardTelemetry.LoginUrlIn([.. console])),
                url => url is not null, TimeSpan.FromMinutes(2), "the sample's AppHost to print the dashboard's login link");
            await using var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1600, Height = 1000 } });
            var page = await context.NewPageAsync();
            await page.GotoAsync(login!.ToString());

            // Its queue, under its Redis, running and showing its figures; the app that sent the welcome email drained it.
            var queue = page.Locator("tr.resource-row:has(td[title='JobQueue: jobs'])");
            await AspireDashboardPage.ExpectVisibleAsync(page, queue.Locator("td[title='Running']"), TimeSpan.FromSeconds(90));
            await Assertions.Expect(queue.Locator("td[title^='redis: jobs · 0 waiting · 0 running · 0 dead letters']")).ToBeVisibleAsync(new() { Timeout = 90_000 });
            await Assertions.Expect(page.Locator("tr.resource-row:has(td[title^='Project: welcome-emails']) td[title='Running']")).ToBeVisibleAsync();
            processes.AddRange(AppHostProcessTree.Of(appHost.Id));
            await BrowserFixture.ScreenshotAsync(page, "sample-apphost-queue");

            // Its link opens the sample's own queue dashboard on the queue, which lists the welcome email's job.
            var queuePage = await queue.Locator("a:text('Queue dashboard')").GetAttributeAsync("href");
            Assert.EndsWith("/dashboard/queues/jobs/jobs", queuePage);
            using var http = new HttpClient();
            var jobs = await Eventually.WaitAsync(() => http.GetStringAsync(queuePage), html => html.Contains("send-welcome-email"),
                TimeSpan.FromSeconds(60), "the queue's page to list the sample's job");
            Assert.Contains("send-welcome-email", jobs);
        }
        finally
        {
            output.WriteLine(string.Join('\n', console.TakeLast(40)));
            // Read again as it stops: a project DCP starts through `dotnet run` is "Running" while its launcher still
            // starts the app, so the first reading may lack the app, which a launcher stopped mid-start leaves behind.
            processes.AddRange(AppHostProcessTree.Of(appHost.Id));
            Signals.Send(appHost.Id, Signals.Terminate);
            if (!appHost.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                appHost.Kill(entireProcessTree: true);
            }

            foreach (var process in processes.Distinct().Where(p => AppHostProcessTree.IsRunning(p.Pid)))
            {
                Signals.Send(process.Pid, Signals.Kill);
            }
        }
    }

    /// <summary>Starts the process with its stdout and stderr read line by line into <paramref name="console"/>.</summary>
    private static Process StartCapturing(ProcessStartInfo start, System.Collections.Concurrent.ConcurrentQueue<string> console)
    {
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) console.Enqueue(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) console.Enqueue(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>NuGet never re-extracts a version it has: drop what an earlier run restored, so the packages just packed are used.</summary>
    private static void DropStaleSamplePackages()
    {
        var samplePackages = Path.Combine(Dotnet.RepositoryRoot, "samples", ".packages");
        foreach (var stale in Directory.Exists(samplePackages) ? Directory.GetDirectories(samplePackages, "jobqueue.*") : [])
        {
            Directory.Delete(stale, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static XElement Nuspec(ZipArchive package)
    {
        using var stream = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return XElement.Load(stream);
    }

    private static string? Element(XElement nuspec, string name) =>
        nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value;

    private static List<string> TypeNames(ZipArchive package, string entry)
    {
        using var stream = new MemoryStream();
        using (var dll = package.GetEntry(entry)!.Open())
        {
            dll.CopyTo(stream);
        }

        stream.Position = 0;
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        return [.. metadata.TypeDefinitions.Select(metadata.GetTypeDefinition)
            .Select(t => metadata.GetString(t.Namespace) + "." + metadata.GetString(t.Name))];
    }

    /// <summary>Packs every package once for the class, into the folder docs/library.md names.</summary>
    public sealed class PackedFixture : IAsyncLifetime
    {
        /// <summary>The version Directory.Build.props gives every package.</summary>
        public const string Version = "0.2.0";

        private readonly string _folder = Path.Combine(Dotnet.RepositoryRoot, "artifacts", "packages");

        public string PathOf(string id) => Path.Combine(_folder, $"{id}.{Version}.nupkg");

        public async Task InitializeAsync()
        {
            foreach (var id in Packages)
            {
                var (exitCode, console) = await Dotnet.RunAsync(
                    ["pack", ProjectOf(id), "-c", "Release", "-o", _folder, "-nologo"], TimeSpan.FromMinutes(4));
                Assert.True(exitCode == 0, $"dotnet pack {ProjectOf(id)} failed:\n{console}");
            }
        }

        public Task DisposeAsync() => Task.CompletedTask;

        /// <summary>The libraries live under src/, the Aspire integrations under hosting/.</summary>
        private static string ProjectOf(string id) => id.StartsWith("JobQueue.Hosting", StringComparison.Ordinal) ? $"hosting/{id}" : $"src/{id}";
    }
}
