using System.Text;

namespace JobQueue.Tests.Infrastructure;

/// <summary>Writes hostile text into requests: as a JSON string (a lone surrogate as its escape, the only way JSON can hold it) or into a URL.</summary>
public static class JsonText
{
    /// <summary>The JSON string literal of <paramref name="text"/>: controls and lone surrogates escaped, everything else as UTF-8.</summary>
    public static string String(string text)
    {
        var json = new StringBuilder("\"");
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                json.Append(c).Append(text[++i]);
            }
            else if (c is '"' or '\\')
            {
                json.Append('\\').Append(c);
            }
            else if (c < ' ' || char.IsSurrogate(c))
            {
                json.Append($"\\u{(int)c:x4}");
            }
            else
            {
                json.Append(c);
            }
        }

        return json.Append('"').ToString();
    }

    /// <summary>An object of the fields as given (names as JSON strings, values as JSON text).</summary>
    public static string Object(IReadOnlyList<(string Name, string Value)> fields) =>
        "{" + string.Join(",", fields.Select(f => String(f.Name) + ":" + f.Value)) + "}";

    /// <summary><paramref name="leaf"/> in <paramref name="depth"/> arrays, or objects keyed <paramref name="key"/>.</summary>
    public static string Nest(int depth, string leaf, string? key)
    {
        var (open, close) = key is null ? ("[", "]") : ("{" + String(key) + ":", "}");
        return string.Concat(Enumerable.Repeat(open, depth)) + leaf + string.Concat(Enumerable.Repeat(close, depth));
    }

    /// <summary>A query string of the parameters given (null ones left out).</summary>
    public static string Query(params (string Name, string? Value)[] parameters)
    {
        var given = parameters.Where(p => p.Value is not null).Select(p => p.Name + "=" + Url(p.Value!)).ToList();
        return given.Count == 0 ? "" : "?" + string.Join("&", given);
    }

    /// <summary>
    /// Percent-encoded UTF-8 of the text, every byte but the unreserved ones; a lone surrogate as the three bytes it would be
    /// were it a character (ED A0 80 for U+D800), which is not UTF-8: what a hostile client sends.
    /// </summary>
    public static string Url(string text)
    {
        var url = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            int codePoint = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])
                ? char.ConvertToUtf32(text[i], text[++i])
                : text[i];
            foreach (var b in Utf8Bytes(codePoint))
            {
                url.Append(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~' ? ((char)b).ToString() : $"%{b:X2}");
            }
        }

        return url.ToString();
    }

    private static byte[] Utf8Bytes(int codePoint) => codePoint switch
    {
        < 0x80 => [(byte)codePoint],
        < 0x800 => [(byte)(0xC0 | (codePoint >> 6)), (byte)(0x80 | (codePoint & 0x3F))],
        < 0x10000 => [(byte)(0xE0 | (codePoint >> 12)), (byte)(0x80 | ((codePoint >> 6) & 0x3F)), (byte)(0x80 | (codePoint & 0x3F))],
        _ => [(byte)(0xF0 | (codePoint >> 18)), (byte)(0x80 | ((codePoint >> 12) & 0x3F)), (byte)(0x80 | ((codePoint >> 6) & 0x3F)), (byte)(0x80 | (codePoint & 0x3F))],
    };
}
