using System.Text;
using System.Text.Json;

namespace JobQueue;

/// <summary>
/// How deep the JSON a job carries (its payload, its result, its progress) may nest, decided here once so that whatever
/// is accepted can be read back by every reader. Every reader allows <see cref="ReaderMaxDepth"/>, System.Text.Json's
/// default, which a client reading the API with default options allows too. An answer of the API holds a stored value
/// at most <see cref="WrappingMargin"/> deep (the schedule list: <c>{"schedules": [{"job": {"payload": …}}]}</c>, 4), so a
/// stored value nests at most <see cref="MaxStoredDepth"/>; a submitted payload at most <see cref="MaxPayloadDepth"/>,
/// leaving a handler room to wrap it in its result (<c>collect</c> wraps each result it collects 2 deeper).
/// </summary>
public static class JsonNesting
{
    /// <summary>What every reader of a job's JSON allows (the API's parsing and writing, the worker's, a client's).</summary>
    public const int ReaderMaxDepth = 64;

    /// <summary>How deep the API's answers may hold a stored value: 4 today, with room to spare.</summary>
    public const int WrappingMargin = 8;

    /// <summary>The deepest a stored value nests: a result or progress a handler writes (deeper fails the attempt for good).</summary>
    public const int MaxStoredDepth = ReaderMaxDepth - WrappingMargin;

    /// <summary>The deepest a submitted payload nests (deeper is a 400).</summary>
    public const int MaxPayloadDepth = 32;

    /// <summary>Whether <paramref name="json"/> is JSON nested at most <paramref name="maxDepth"/> deep (<c>[[1]]</c> is 2 deep, <c>1</c> 0).</summary>
    public static bool IsWithin(string json, int maxDepth)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { MaxDepth = maxDepth });
        try
        {
            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
