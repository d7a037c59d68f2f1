using Microsoft.AspNetCore.Components;

namespace JobQueue.Hosting.Dashboard.Components.Shared;

/// <summary>A page that redraws by itself every second, so what it shows stays live without a reload.</summary>
public abstract class LivePage : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _closed = new();

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            _ = RefreshLoopAsync();
        }
    }

    /// <summary>Reads fresh data before a redraw.</summary>
    protected virtual Task RefreshAsync() => Task.CompletedTask;

    private async Task RefreshLoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_closed.Token))
            {
                await InvokeAsync(async () =>
                {
                    await RefreshAsync();
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _closed.Cancel();
        _closed.Dispose();
        GC.SuppressFinalize(this);
    }
}
