using Microsoft.Playwright;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// Waiting on a page of Aspire's dashboard as a user would. Under load its Blazor circuit sometimes fails (an
/// ObjectDisposedException in the resource grid's virtualization) and the page then shows "No resources found" under
/// "An unhandled error has occurred. Reload" until it is reloaded: the dashboard's fault, not the app's, so the wait
/// reloads the page when that banner shows, as the banner asks.
/// </summary>
public static class AspireDashboardPage
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    public static async Task ExpectVisibleAsync(IPage page, ILocator locator, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await locator.IsVisibleAsync())
        {
            if (DateTime.UtcNow > deadline)
            {
                // Fails with Playwright's own account of what the page shows.
                await Assertions.Expect(locator).ToBeVisibleAsync(new() { Timeout = 1 });
            }

            if (await page.Locator("#blazor-error-ui").IsVisibleAsync())
            {
                await page.ReloadAsync();
            }

            await Task.Delay(Poll);
        }
    }
}
