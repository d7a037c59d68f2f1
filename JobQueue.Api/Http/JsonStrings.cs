using System.Buffers.Text;
using System.Text.Json;

namespace JobQueue.Api.Http;

/// <summary>
/// Whether every string of a JSON text, field names included, is valid Unicode once its escapes are read. The reader
/// checks the raw UTF-8 but lets an escaped lone surrogate through (<c>"\ud800"</c>, or <c>"\udc00\ud800"</c>): such a
/// string cannot be read as text (GetString throws) nor written back out, so it would fail every answer that holds it.
/// </summary>
public static class JsonStrings
{
    /// <summary>True if some string escapes a surrogate that is not half of a pair; <paramref name="json"/> is valid JSON within <paramref name="maxDepth"/>.</summary>
    public static bool HaveLoneSurrogate(ReadOnlySpan<byte> json, int maxDepth)
    {
        // A surrogate can only be spelled as an escape: most texts have none, and are not read a second time.
        if (json.IndexOf("\\u"u8) < 0)
        {
            return false;
        }

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped && HasLoneSurrogate(reader.ValueSpan))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Reads the <c>\uXXXX</c> escapes of one string's raw text (the only way JSON can spell a surrogate) in order.</summary>
    private static bool HasLoneSurrogate(ReadOnlySpan<byte> escaped)
    {
        var pendingHigh = false;
        for (var i = 0; i < escaped.Length; i++)
        {
            if (escaped[i] != '\\')
            {
                if (pendingHigh)
                {
                    return true;
                }

                continue;
            }

            if (escaped[++i] != 'u')
            {
                if (pendingHigh)
                {
                    return true;
                }

                continue;
            }

            Utf8Parser.TryParse(escaped.Slice(i + 1, 4), out ushort unit, out _, 'X');
            i += 4;
            if (char.IsLowSurrogate((char)unit))
            {
                if (!pendingHigh)
                {
                    return true;
                }

                pendingHigh = false;
            }
            else if (pendingHigh)
            {
                return true;
            }
            else
            {
                pendingHigh = char.IsHighSurrogate((char)unit);
            }
        }

        return pendingHigh;
    }
}
