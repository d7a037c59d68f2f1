namespace JobQueue.Hosting.Dashboard;

/// <summary>
/// Where the queue dashboard (the JobQueue.Dashboard package, mounted by the API) answers in this run: the AppHost's
/// dashboard links to it rather than showing queues itself. Null when the app mounts none.
/// </summary>
public sealed class QueueDashboardLink(Func<Uri?> url)
{
    public Uri? Url => url();
}
