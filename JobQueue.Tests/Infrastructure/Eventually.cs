namespace JobQueue.Tests.Infrastructure;

internal static class Eventually
{
    /// <summary>Polls <paramref name="probe"/> until it returns a value matching <paramref name="done"/>, or fails after <paramref name="timeout"/>.</summary>
    public static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting for {what}; last value: {Describe(value)}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>A collection as its items (what a failure needs to show), anything else as itself.</summary>
    private static string? Describe(object? value) => value is System.Collections.IEnumerable items and not string
        ? "[" + string.Join(", ", items.Cast<object?>()) + "]"
        : value?.ToString();
}
