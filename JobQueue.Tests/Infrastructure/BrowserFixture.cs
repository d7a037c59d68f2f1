using Microsoft.Playwright;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// A real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright; never a downloaded browser). One browser
/// serves every test class that asks for it, each test in a context of its own (its own cookies and storage): a
/// launch (Playwright's driver and Chromium's processes) costs a few seconds of CPU, and the suite is CPU-bound on 2
/// cores. A class's contexts close with the class: a page left open keeps polling and streaming from its app, which
/// for the rest of a run cost more than the launches saved. The browser ends with the test process: Playwright's
/// driver closes it when the pipe from this process does.
/// Screenshots go to artifacts/screenshots at the repository root.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly SemaphoreSlim Launching = new(1, 1);
    private static IBrowser? _shared;
    private readonly System.Collections.Concurrent.ConcurrentBag<IBrowserContext> _contexts = [];
    private IBrowser _browser = null!;

    public static string ScreenshotDirectory { get; } = FindScreenshotDirectory();

    /// <summary>The suite's browser, launched by the first class that asks (again if a launch failed or the browser went away).</summary>
    public async Task InitializeAsync()
    {
        await Launching.WaitAsync();
        try
        {
            _browser = _shared is { IsConnected: true } ? _shared : _shared = await LaunchAsync();
        }
        finally
        {
            Launching.Release();
        }
    }

    /// <summary>A context (cookies, storage, pages) of the class's own, closed with the class if the test has not closed it.</summary>
    public async Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions options)
    {
        var context = await _browser.NewContextAsync(options);
        _contexts.Add(context);
        return context;
    }

    /// <summary>Closes the class's contexts; the browser outlives the class, for the next one.</summary>
    public async Task DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.CloseAsync();
        }
    }

    private static async Task<IBrowser> LaunchAsync()
    {
        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException($"{Chromium} is missing: run ./test.sh, which installs it (apt-get install -y chromium).");
        }

        var playwright = await Playwright.CreateAsync();
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // No sandbox as root; no background traffic to hosts this machine cannot reach.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png") });

    private static string FindScreenshotDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "JobQueue.sln")))
        {
            directory = directory.Parent;
        }

        var path = Path.Combine(directory?.FullName ?? AppContext.BaseDirectory, "artifacts", "screenshots");
        Directory.CreateDirectory(path);
        return path;
    }
}
