using JobQueue.Hosting.Dashboard;
using Microsoft.Playwright;

namespace JobQueue.Tests.Infrastructure;

/// <summary>Opening the dashboard's pages in a real browser, logged in or not, and waiting until they are live.</summary>
public sealed class DashboardPages(BrowserFixture browser, DashboardEndpoints dashboard)
{
    public async Task<IPage> NewPageAsync(bool loggedIn = true)
    {
        var context = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();
        if (loggedIn)
        {
            await page.GotoAsync(dashboard.LoginUrl.ToString());
            await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Resources");
            await WaitUntilLiveAsync(page);
        }

        return page;
    }

    /// <summary>Opens a dashboard page and waits until it is live: a prerendered page shows data but ignores clicks.</summary>
    public async Task GoToAsync(IPage page, string path)
    {
        await page.GotoAsync(new Uri(dashboard.Dashboard, path).ToString());
        await WaitUntilLiveAsync(page);
    }

    public static Task WaitUntilLiveAsync(IPage page) =>
        Assertions.Expect(page.Locator("main[data-interactive='yes']")).ToBeVisibleAsync(new() { Timeout = 30_000 });
}
