namespace JobQueue.Api.Feeds;

/// <summary>Stream entry ids (<c>ms-seq</c>), ordered as Redis orders them.</summary>
public static class EventIds
{
    public static bool TryParse(string id, out (long Ms, long Seq) parsed)
    {
        parsed = default;
        var dash = id.IndexOf('-');
        return dash > 0 && long.TryParse(id.AsSpan(0, dash), out parsed.Ms) && long.TryParse(id.AsSpan(dash + 1), out parsed.Seq)
            && parsed.Ms >= 0 && parsed.Seq >= 0;
    }

    public static int Compare(string a, string b)
    {
        TryParse(a, out var x);
        TryParse(b, out var y);
        return x.CompareTo(y);
    }
}
