namespace JobQueue;

/// <summary>
/// What a dependant does when one of its dependencies fails for good or is canceled (an edge's policy). A dependency
/// that fails an attempt and is retried changes nothing: only how it ends counts.
/// </summary>
public enum DependencyFailure
{
    /// <summary>The dependant fails too, dead-lettered with the reason (the default). Retrying the dependency brings it back waiting.</summary>
    Fail,

    /// <summary>The dependant runs anyway, once its other dependencies have counted; it sees no result of this one.</summary>
    Continue,

    /// <summary>The dependant is canceled: it never runs.</summary>
    Cancel,
}

/// <summary>The names a <see cref="DependencyFailure"/> has in the API and in Redis: <c>fail</c>, <c>continue</c>, <c>cancel</c>.</summary>
public static class DependencyFailureNames
{
    public const string Fail = "fail", Continue = "continue", Cancel = "cancel";

    public static string ToName(this DependencyFailure policy) => policy switch
    {
        DependencyFailure.Continue => Continue,
        DependencyFailure.Cancel => Cancel,
        _ => Fail,
    };

    public static bool TryParse(string? name, out DependencyFailure policy)
    {
        (var known, policy) = name switch
        {
            Fail => (true, DependencyFailure.Fail),
            Continue => (true, DependencyFailure.Continue),
            Cancel => (true, DependencyFailure.Cancel),
            _ => (false, DependencyFailure.Fail),
        };
        return known;
    }
}
