using JobQueue.Tests.Infrastructure;
using Microsoft.Playwright;

namespace JobQueue.Tests.Integration;

/// <summary>
/// The submission page in real headless Chromium: two devices of one owner on two API replicas, a third of another
/// owner, and a device whose connection is cut while its jobs finish.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class SubmissionPageTests(AppFixture app, BrowserFixture chromium) : IClassFixture<BrowserFixture>
{
    private static readonly LocatorAssertionsToHaveTextOptions Soon = new() { Timeout = 45_000 };

    [Fact]
    public async Task A_job_submitted_on_one_device_appears_and_completes_live_on_both_devices_of_its_owner_and_on_no_other_owners()
    {
        var (owner, other) = ("user-" + Guid.NewGuid().ToString("N")[..8], "user-" + Guid.NewGuid().ToString("N")[..8]);
        await using var laptopLink = new CuttableProxy(app.ApiReplica(1).Port);
        var phone = await OpenAsync(app.ApiReplica(0), owner);
        var laptop = await OpenAsync(laptopLink.Url, owner);
        var stranger = await OpenAsync(app.ApiReplica(1), other);

        await SubmitAsync(phone, "uppercase", "\"hello world\"");

        foreach (var device in new[] { phone, laptop })
        {
            var job = device.Locator("#jobs tbody tr");
            await Assertions.Expect(job).ToHaveCountAsync(1);
            await Assertions.Expect(job.Locator(".status")).ToHaveTextAsync("done", Soon);
            await Assertions.Expect(job.Locator("td.result")).ToHaveTextAsync("\"HELLO WORLD\"");
            await Assertions.Expect(job.Locator("td.type")).ToHaveTextAsync("uppercase");
        }

        // The laptop's network drops; two jobs run and finish meanwhile; it comes back and shows their final states.
        laptopLink.Cut();
        await Assertions.Expect(laptop.Locator("#connection")).ToHaveAttributeAsync("data-state", "offline", new() { Timeout = 15_000 });
        await SubmitAsync(phone, "sleep", """{"ms": 1200, "steps": 3}""");
        await SubmitAsync(phone, "fail", "{}");
        await Assertions.Expect(phone.Locator("#jobs tbody tr[data-status='done']")).ToHaveCountAsync(2, new() { Timeout = 45_000 });
        await Assertions.Expect(phone.Locator("#jobs tbody tr[data-status='failed']")).ToHaveCountAsync(1, new() { Timeout = 45_000 });
        await Assertions.Expect(laptop.Locator("#jobs tbody tr")).ToHaveCountAsync(1);
        await BrowserFixture.ScreenshotAsync(phone, "submission-page");

        laptopLink.Restore();
        await Assertions.Expect(laptop.Locator("#connection")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 15_000 });
        await Assertions.Expect(laptop.Locator("#jobs tbody tr[data-status='done']")).ToHaveCountAsync(2, new() { Timeout = 15_000 });
        await Assertions.Expect(laptop.Locator("#jobs tbody tr[data-status='failed']")).ToHaveCountAsync(1);
        Assert.Equal(await JobIdsAsync(phone), await JobIdsAsync(laptop));

        await Assertions.Expect(stranger.Locator("#connection")).ToHaveAttributeAsync("data-state", "live");
        await Assertions.Expect(stranger.Locator("#jobs tbody tr")).ToHaveCountAsync(0);
    }

    /// <summary>A device: a browser context of its own (its own storage and connections), signed in as the owner.</summary>
    private async Task<IPage> OpenAsync(Uri api, string owner)
    {
        var context = await chromium.NewContextAsync(new() { ViewportSize = new() { Width = 1100, Height = 640 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(api, "/app/").ToString());
        await page.FillAsync("#owner", owner);
        await page.ClickAsync("#sign-in button");
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live");
        return page;
    }

    private static async Task SubmitAsync(IPage page, string type, string payload)
    {
        await page.SelectOptionAsync("#type", type);
        await page.FillAsync("#payload", payload);
        await page.ClickAsync("#submit button");
    }

    private static async Task<List<string>> JobIdsAsync(IPage page) =>
        [.. (await page.Locator("#jobs tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.jobId)")).Order()];
}
