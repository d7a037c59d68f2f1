using Microsoft.Playwright;

namespace JobQueue.Tests.Infrastructure;

/// <summary>Opening the queue dashboard's pages (the JobQueue.Dashboard package, mounted at <paramref name="root"/>) in a real browser.</summary>
public sealed class QueueDashboardPages(BrowserFixture browser, Uri root)
{
    public async Task<IPage> NewPageAsync()
    {
        var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        return await context.NewPageAsync();
    }

    /// <summary>Opens a page, by its path below the dashboard's root, and waits until its script runs (clicks act from then on).</summary>
    public async Task GoToAsync(IPage page, string path)
    {
        await page.GotoAsync(new Uri(root, path.TrimStart('/')).ToString());
        await WaitUntilReadyAsync(page);
    }

    public static Task WaitUntilReadyAsync(IPage page) =>
        Assertions.Expect(page.Locator("html[data-dashboard='ready']")).ToBeAttachedAsync(new() { Timeout = 30_000 });
}
