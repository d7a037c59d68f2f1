using CsCheck;

namespace JobQueue.Tests.Infrastructure;

/// <summary>The generators: hostile strings, numbers and JSON values, and the requests they fill.</summary>
public static class HostileRequests
{
    private const string Uuid = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

    /// <summary>
    /// A field's value: mostly one the API takes, one time in four a hostile one, so that a request carries one or two
    /// hostile values among valid neighbours, and a good share of requests is accepted and has to be read back.
    /// </summary>
    private static Gen<string> Either(Gen<string> valid, Gen<string> hostile) => Gen.Frequency((3, (IGen<string>)valid), (1, hostile));

    private static Gen<string> Either(string[] valid, Gen<string> hostile) => Either(Gen.OneOf(valid), hostile);

    private static Gen<string> Rarely(Gen<string> valid, Gen<string> hostile) => Gen.Frequency((7, (IGen<string>)valid), (1, hostile));

    /// <summary>Names the API accepts somewhere, so that hostile text is often a valid name with something wrong about it.</summary>
    private static readonly Gen<string> Valid = Gen.OneOf(
        "echo", "collect", "uppercase", "emails", "jobs", "user-1", "tenant-42", "a", "b", "nightly", "UTC", "Europe/Paris", "catch_up", "skip",
        "fixed", "exponential", "fail", "continue", "cancel", "queued", "done", "2030-01-01T00:00:00Z", "0 0 1 1 *");

    private static readonly Gen<string> Special = Gen.OneOf(
        "", " ", "\t", "\n", "\r\n", "\0", "*", "?", "[a]", "user-*", "{jobs}", "a{b}c", "}", "{", ":", "a:b", "#", "a#0", "schedule:nightly:1",
        "..", "../x", "a/b", "%2F", "%00", "\\", "\"", "'", "null", "0-0", "-0", "+1", "١٢٣", "ＡＢＣ", "İ", "\u212A", "é", "\uD83D\uDE00",
        "\u00A0", "\u200B", "\uFEFF", "\u2028", "\u0085", "\u007F", "Europe", "posixrules", "-", "_", "@", ".");

    private static readonly Gen<string> LoneSurrogate = Gen.Char['\uD800', '\uDFFF'].Select(c => c.ToString());

    private static readonly Gen<string> Control = Gen.Char['\0', '\u001F'].Select(c => c.ToString());

    private static readonly Gen<string> Piece = Gen.Frequency(
        (4, (IGen<string>)Valid), (4, Special), (2, LoneSurrogate), (1, Control),
        (1, Gen.Char[' ', '~'].Array[1, 12].Select(chars => new string(chars))));

    /// <summary>Hostile text up to a few hundred characters (what fits a URL): controls, a trailing newline, glob and hash-tag characters, lone surrogates.</summary>
    private static readonly Gen<string> Text = Gen.Frequency(
        (3, (IGen<string>)Piece),
        (3, Gen.Select(Valid, Gen.OneOf("\n", "\r\n", " ", "\0", "*", "?", "[", "{x}", ":", "#0", "\uD800", "\uDC00"), (name, suffix) => name + suffix)),
        (2, Gen.Select(Piece, Piece, Piece, (a, b, c) => a + b + c)),
        (1, Gen.OneOf(64, 65, 128, 129, 256, 600).Select(n => new string('a', n))));

    /// <summary>Text a JSON body holds: may also be very long.</summary>
    private static readonly Gen<string> LongText = Gen.Frequency((9, (IGen<string>)Text), (1, Gen.OneOf(10_000, 100_000).Select(n => new string('x', n))));

    /// <summary>Hostile text that is valid Unicode: what a payload may hold, and must then be read back as it was.</summary>
    private static readonly Gen<string> UnicodeText = LongText.Where(text =>
        System.Text.Unicode.Utf8.FromUtf16(text, new byte[text.Length * 3], out _, out _, replaceInvalidSequences: false) == System.Buffers.OperationStatus.Done);

    /// <summary>JSON numbers, huge, negative, fractional, out of double's range, -0: all valid JSON.</summary>
    private static readonly Gen<string> JsonNumber = Gen.Frequency(
        (4, (IGen<string>)Gen.OneOf("0", "-0", "1", "-1", "1.5", "0.0", "1e400", "-1e400", "1e-400", "1e3", "1E2", "2147483647", "2147483648",
            "-2147483649", "9223372036854775807", "9223372036854775808", "18446744073709551616", "99999999999999999999999", "100", "86400000",
            "86400001", "31536000000", "31536000001", "1000000", "1000001", "25", "26")),
        (2, Gen.Long.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.Double.Where(double.IsFinite).Select(d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture))));

    /// <summary>What stands where a number should: a number, a number JSON does not have, another kind of value.</summary>
    private static readonly Gen<string> Number = Gen.Frequency(
        (4, (IGen<string>)JsonNumber),
        (1, Gen.OneOf("NaN", "Infinity", "0x10", "01", "1.", ".5", "+1")),
        (1, Gen.OneOf("\"10\"", "null", "true", "[]", "{}", "[1]")));

    /// <summary><paramref name="leaf"/> nested <paramref name="depth"/> deep in arrays, or in objects under <paramref name="key"/>.</summary>
    private static Gen<string> Nested(Gen<int> depth, Gen<string> leaf, Gen<string> key) =>
        Gen.Select(depth, leaf, Gen.Bool, key, (d, value, objects, name) => JsonText.Nest(d, value, objects ? name : null));

    /// <summary>A payload the API takes: strange but valid strings and numbers, up to the nesting limit (32).</summary>
    private static readonly Gen<string> ValidPayload = Nested(
        Gen.Frequency((3, (IGen<int>)Gen.Int[0, 3]), (2, Gen.Int[28, 32])),
        Gen.Frequency((3, (IGen<string>)UnicodeText.Select(JsonText.String)), (2, JsonNumber), (1, Gen.OneOf("null", "true", "{}", "[]"))),
        UnicodeText);

    /// <summary>A payload past the nesting limit (the body's too), or with a string or a field name that is not valid Unicode.</summary>
    private static readonly Gen<string> HostilePayload = Gen.OneOf(
        Nested(Gen.Frequency((3, (IGen<int>)Gen.Int[33, 34]), (1, Gen.Int[60, 66])), JsonNumber, UnicodeText),
        Nested(Gen.Int[0, 3], LoneSurrogate.Select(JsonText.String), UnicodeText),
        Nested(Gen.Int[1, 3], JsonNumber, LoneSurrogate));

    /// <summary>Any JSON value a field might be given.</summary>
    private static readonly Gen<string> Value = Gen.Frequency(
        (3, (IGen<string>)Text.Select(JsonText.String)), (3, Number), (1, HostilePayload), (1, Valid.Select(JsonText.String)));

    /// <summary>A hostile value for a field that takes a name.</summary>
    private static readonly Gen<string> HostileName = Gen.Frequency((3, (IGen<string>)Text.Select(JsonText.String)), (1, Value));

    private static Gen<string> NameField(params string[] valid) => Either(Gen.OneOf(valid).Select(JsonText.String), HostileName);

    private static readonly string[] Owners = ["user-1", "prop-owner", "x:y", "a@b.c", new string('o', 128)];

    private static readonly Gen<string> Time = Gen.Frequency(
        (2, (IGen<string>)Gen.OneOf("2030-01-01T00:00:00", "2030-01-01T00:00:00-14:01", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
            "2030-02-30T00:00:00Z", "2030-01-01T00:00:00.1234567890Z", "٢٠٣٠-01-01T00:00:00Z", "2030-01-01T00:00:00Z\n", "2030-01-01", "2099-01-01T00:00:00Z")),
        (1, Text));

    /// <summary>A run_at the API takes: a month ahead (read when the case is made), or long past (due at once).</summary>
    private static readonly Gen<string> ValidRunAt = Gen.OneOf(
        Gen.Const(() => DateTimeOffset.UtcNow.AddDays(30).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Const("2000-01-01T00:00:00+00:00"));

    private static readonly Gen<string> HostileDependsOn = Gen.Frequency(
        (2, (IGen<string>)Gen.OneOf($"[\"{Uuid}\"]", "[]", $"[\"{Uuid.ToUpperInvariant()}\"]")),
        (2, Text.Select(t => $"[{JsonText.String(t)}]")),
        (2, HostileName.Select(policy => $"[{{\"job\":\"{RealValues.DoneJob}\",\"on_failure\":{policy}}}]")),
        (1, Value));

    private static readonly Gen<string> DependsOn = Either(
        Gen.OneOf(Gen.Const(() => $"[\"{RealValues.DoneJob}\"]"), Gen.Const(() => $"[{{\"job\":\"{RealValues.DoneJob}\",\"on_failure\":\"continue\"}}]")),
        HostileDependsOn);

    private static readonly Gen<string> Backoff = Either(
        Gen.OneOf("""{"type":"fixed","delay_ms":1000}""", """{"type":"exponential","delay_ms":1,"max_delay_ms":604800000}"""),
        Gen.Frequency(
            (3, (IGen<string>)Gen.Select(NameField("fixed", "exponential"), Number, Number.Null(0.5),
                (type, delay, max) => $"{{\"type\":{type},\"delay_ms\":{delay}{(max is null ? "" : ",\"max_delay_ms\":" + max)}}}")),
            (1, Value)));

    /// <summary>
    /// The fields of a job (of POST /jobs, a workflow, a schedule), each there or not, valid or hostile, and now and then an
    /// unknown one or the payload twice. A schedule's job has no delay, run_at or dependencies; a workflow's job no queue
    /// or dependencies (the workflow gives those).
    /// </summary>
    private static Gen<List<(string Name, string Value)>> JobFields(bool timed = true, bool queued = true) => Gen.Select(
        Either(ValidPayload, HostilePayload).Null(0.05), NameField("echo", "collect", "uppercase").Null(0.4), NameField("jobs", "emails").Null(queued ? 0.6 : 1),
        NameField(Owners).Null(0.4), NameField("tenant-42", "g").Null(0.6),
        Either(["0", "-0", "86400000", "31536000000"], Number).Null(timed ? 0.8 : 1), Either(ValidRunAt, Time).Select(JsonText.String).Null(timed ? 0.85 : 1),
        Either(["1", "25"], Number).Null(0.7), Either(["100", "86400000"], Number).Null(0.8), Backoff.Null(0.8), DependsOn.Null(timed && queued ? 0.8 : 1),
        Gen.Select(Text, Value).Nullable(0.93), ValidPayload.Null(0.97),
        (payload, type, queue, owner, group, delay, runAt, attempts, timeout, backoff, dependsOn, unknown, payloadAgain) =>
        {
            var fields = new List<(string, string?)>
            {
                ("payload", payload), ("type", type), ("queue", queue), ("owner", owner), ("group", group), ("delay_ms", delay), ("run_at", runAt),
                ("max_attempts", attempts), ("timeout_ms", timeout), ("backoff", backoff), ("depends_on", dependsOn), ("payload", payloadAgain),
            };
            if (unknown is { } field)
            {
                fields.Add(field);
            }

            return fields.Where(f => f.Item2 is not null).Select(f => (f.Item1, f.Item2!)).ToList();
        });

    /// <summary>What an HTTP client can put in a header: printable ASCII with spaces and tabs, keys of other namespaces, lengths at the limit.</summary>
    private static readonly Gen<string> HeaderText = Gen.Frequency(
        (3, (IGen<string>)Gen.Char[' ', '~'].Array[0, 40].Select(chars => new string(chars))),
        (2, Gen.OneOf("k1", "k1#0", "k1 0", "workflow k1 0", "schedule:nightly:1", "schedule:", "\tk", "k\t", " ", "", "{jobs}", "*", "a:b")),
        (1, Gen.OneOf(254, 255, 256, 1000).Select(n => new string('k', n))));

    private static readonly Gen<string?> IdempotencyHeader = HeaderText.Null(0.8);

    private static IReadOnlyList<(string, string)>? KeyHeader(string? key) => key is null ? null : [("Idempotency-Key", key)];

    public static readonly Gen<HostileRequest> Job = Gen.Select(JobFields(), IdempotencyHeader, (fields, key) =>
        new HostileRequest("POST", "/jobs", JsonText.Object(fields), Made.Jobs, KeyHeader(key)));

    /// <summary>Bodies of exactly 1 MiB give or take a few bytes, around <c>Api:MaxRequestBodyBytes</c>.</summary>
    public static readonly Gen<HostileRequest> JobOfSize = Gen.Int[-3, 3].Select(delta =>
        new HostileRequest("POST", "/jobs", "{\"payload\":\"" + new string('x', 1024 * 1024 - 14 + delta) + "\"}", Made.Jobs));

    /// <summary>
    /// 1-3 jobs with refs r0, r1, …, each depending on the one before, any of it hostile now and then (the refs and edges
    /// rarely: hostile jobs of several fields each are enough to refuse most workflows).
    /// </summary>
    public static readonly Gen<HostileRequest> Workflow = Gen.Select(
        Gen.Select(JobFields(queued: false), Rarely(Gen.Const("r"), HostileName), Rarely(Gen.Const("previous"), HostileDependsOn)).Array[1, 3],
        NameField("jobs", "emails").Null(0.7), Gen.Guid.Select(g => g.ToString("N")).Null(0.7), Gen.Select(Text, Value).Nullable(0.93),
        (jobs, queue, key, unknown) =>
        {
            var bodies = jobs.Select((job, i) =>
            {
                var (fields, reference, dependsOn) = job;
                fields.Add(("ref", reference == "r" ? $"\"r{i}\"" : reference));
                if (i > 0)
                {
                    fields.Add(("depends_on", dependsOn == "previous" ? $"[\"r{i - 1}\"]" : dependsOn));
                }

                if (queue is not null)
                {
                    fields.Add(("queue", queue));
                }

                return JsonText.Object(fields);
            });
            var extra = unknown is { } field ? "," + JsonText.String(field.Item1) + ":" + field.Item2 : "";
            return new HostileRequest("POST", "/workflows", "{\"jobs\":[" + string.Join(",", bodies) + "]" + extra + "}", Made.Jobs, KeyHeader(key));
        });

    /// <summary>Schedules that fire once a year at most: one firing during the run would write between a refusal's two looks.</summary>
    public static readonly Gen<HostileRequest> Schedule = Gen.Select(
        Either(Gen.Guid.Select(g => "prop-" + g.ToString("N")[..8]), Text),
        Either(Gen.OneOf("0 0 1 1 *", "@yearly", "0 0 0 1 1 *").Select(JsonText.String), Gen.Frequency((1, (IGen<string>)Gen.OneOf("0 0 30 2 *", "* * *", "61 * * * *").Select(JsonText.String)), (2, HostileName))),
        NameField("UTC", "Europe/Paris", "Etc/GMT+14", "America/New_York").Null(0.5), NameField("catch_up", "skip").Null(0.6),
        JobFields(timed: false), Gen.Select(Text, Value).Nullable(0.93),
        (name, cron, zone, misfire, job, unknown) =>
        {
            List<(string, string)> fields = [("cron", cron), ("job", JsonText.Object(job))];
            fields.AddRange(new[] { ("time_zone", zone), ("misfire", misfire) }.Where(f => f.Item2 is not null).Select(f => (f.Item1, f.Item2!)));
            if (unknown is { } field)
            {
                fields.Add(field);
            }

            return new HostileRequest("PUT", "/schedules/" + JsonText.Url(name), JsonText.Object(fields), Made.Schedule);
        });

    /// <summary>A query parameter: absent, valid, or hostile.</summary>
    private static Gen<string?> Parameter(Gen<string> valid, Gen<string> hostile, double absent) => Either(valid, hostile).Null(absent);

    private static readonly Gen<string> JobCursor = Gen.Frequency(
        (1, (IGen<string>)JsonNumber.Select(n => $"{n}:{Uuid}")), (2, Text), (1, Gen.OneOf($"0:{Uuid}", $"1:{Uuid}\n", $"1:{Uuid.ToUpperInvariant()}", "1:")));

    public static readonly Gen<HostileRequest> JobListing = Gen.Select(
        Parameter(Gen.OneOf("queued", "done", "failed", "waiting", "scheduled"), Text, 0.6), Parameter(Gen.OneOf("echo", "uppercase"), Text, 0.7),
        Parameter(Gen.OneOf(Owners), Text, 0.7), Parameter(Gen.Const("tenant-42"), Text, 0.8),
        Parameter(Gen.OneOf("2020-01-01T00:00:00Z", "2020-01-01T00:00:00+05:30"), Time, 0.7), Parameter(Gen.Const("2099-01-01T00:00:00Z"), Time, 0.8),
        Parameter(Gen.OneOf("1", "20", "100"), Number, 0.6), Parameter(Gen.Const(() => RealValues.Jobs), JobCursor, 0.5),
        Parameter(Gen.OneOf("jobs", "emails"), Text, 0.8),
        (status, type, owner, group, from, until, limit, cursor, queue) => new HostileRequest("GET", "/jobs" + JsonText.Query(
            ("status", status), ("type", type), ("owner", owner), ("group", group), ("created_from", from), ("created_until", until), ("limit", limit),
            ("cursor", cursor), ("queue", queue))));

    private static readonly Gen<string> EntryIdText = Gen.Frequency(
        (2, (IGen<string>)Gen.Select(Number, Number, (ms, seq) => $"{ms}-{seq}")), (2, Text),
        (1, Gen.OneOf("0-0", "0", "-0", "+5", "5\n", " 5", "1-1\n", "18446744073709551615-18446744073709551615", "9223372036854775807-9223372036854775807")));

    public static readonly Gen<HostileRequest> DeadLetterListing = Gen.Select(
        Parameter(Gen.Const(() => RealValues.DeadLetters), EntryIdText, 0.4), Parameter(Gen.OneOf("1", "100"), Number, 0.6),
        Parameter(Gen.OneOf("jobs", "emails"), Text, 0.7),
        (cursor, limit, queue) => new HostileRequest("GET", "/dead-letters" + JsonText.Query(("cursor", cursor), ("limit", limit), ("queue", queue))));

    private static readonly string[] RealQueues = ["jobs", "emails"];

    private static readonly string[] HandledTypes = ["echo", "collect", "uppercase", "fail", "sleep"];

    /// <summary>A queue name that names no real queue: what must never pause, resume, retry or delete anything.</summary>
    private static readonly Gen<string> NoRealQueue = Text.Where(name => !RealQueues.Contains(name));

    private static readonly Gen<string> QueueName = Either(Gen.OneOf(RealQueues), Text);

    private static Gen<string?> LimitField(params string[] valid) => Either(valid, Number).Null(0.5);

    private static readonly Gen<string> Limits = Gen.Frequency(
        (4, (IGen<string>)Gen.Select(LimitField("1", "100000"), LimitField("1", "1000000"), LimitField("10", "86400000"), LimitField("1", "5"),
            (concurrency, max, period, group) => JsonText.Object(new[]
                {
                    ("concurrency", concurrency),
                    ("rate", max is null && period is null ? null : JsonText.Object(
                        new[] { ("max", max), ("period_ms", period) }.Where(f => f.Item2 is not null).Select(f => (f.Item1, f.Item2!)).ToList())),
                    ("group_concurrency", group),
                }.Where(f => f.Item2 is not null).Select(f => (f.Item1, f.Item2!)).ToList()))),
        (1, Gen.Select(Text, Value).Select(field => JsonText.Object([field]))),
        (1, Value));

    public static readonly Gen<HostileRequest> QueueRequest = Gen.OneOf(
        QueueName.Select(name => new HostileRequest("GET", "/queues/" + JsonText.Url(name))),
        QueueName.Select(name => new HostileRequest("GET", "/jobs" + JsonText.Query(("queue", name)))),
        QueueName.Select(name => new HostileRequest("GET", "/dead-letters" + JsonText.Query(("queue", name)))),
        QueueName.Select(name => new HostileRequest("GET", $"/queues/{JsonText.Url(name)}/events")),
        NoRealQueue.Select(name => new HostileRequest("POST", $"/queues/{JsonText.Url(name)}/pause")),
        QueueName.Select(name => new HostileRequest("POST", $"/queues/{JsonText.Url(name)}/resume")),
        Gen.Select(NoRealQueue, Text, (name, type) => new HostileRequest("POST", "/dead-letters/retry" + JsonText.Query(("queue", name), ("type", type)))),
        Gen.Select(Gen.OneOf(RealQueues), Text.Where(type => !HandledTypes.Contains(type)),
            (name, type) => new HostileRequest("DELETE", "/dead-letters" + JsonText.Query(("queue", name), ("type", type)))),
        Gen.Select(Either(Gen.Const("emails"), NoRealQueue), Limits,
            (name, body) => new HostileRequest("PUT", $"/queues/{JsonText.Url(name)}/limits", body, Made.QueueSettings)),
        Gen.Select(Either(Gen.Const("emails"), NoRealQueue), Either(["0", "10", "1000000"], Number),
            (name, length) => new HostileRequest("PUT", $"/queues/{JsonText.Url(name)}/event-log", $"{{\"max_length\":{length}}}", Made.QueueSettings)));

    private static readonly Gen<string> OwnerAfter = Either(Gen.OneOf(Gen.Const("0"), Gen.Const(() => DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture))),
        Gen.Frequency((2, (IGen<string>)Number), (1, EntryIdText), (1, Text)));

    private static readonly Gen<string> QueueAfter = Either(Gen.OneOf("0-0", "1-0", "1700000000000-5"), EntryIdText);

    public static readonly Gen<HostileRequest> FeedRequest = Gen.OneOf(
        Gen.Select(Either(Gen.OneOf(Owners), Text), OwnerAfter, (owner, after) =>
            new HostileRequest("GET", $"/owners/{JsonText.Url(owner)}/events" + JsonText.Query(("after", after), ("access_token", TestTokens.For(owner))))),
        Gen.Select(Gen.OneOf(Owners), Either(Gen.Const("0"), HeaderText), (owner, lastEventId) =>
            new HostileRequest("GET", $"/owners/{owner}/events" + JsonText.Query(("access_token", TestTokens.For(owner))), Headers: [("Last-Event-ID", lastEventId)])),
        Gen.Select(Gen.OneOf(RealQueues), QueueAfter, (queue, after) => new HostileRequest("GET", $"/queues/{queue}/events" + JsonText.Query(("after", after)))),
        Gen.Select(Gen.OneOf(RealQueues), Either(Gen.Const("0-0"), HeaderText), (queue, lastEventId) =>
            new HostileRequest("GET", $"/queues/{queue}/events", Headers: [("Last-Event-ID", lastEventId)])));

    public static readonly Gen<HostileRequest> IdempotencyKey = Gen.Select(HeaderText, Gen.Bool, (key, workflow) => workflow
        ? new HostileRequest("POST", "/workflows", """{"jobs":[{"ref":"a","payload":1},{"payload":2,"depends_on":["a"]}]}""", Made.Jobs, KeyHeader(key))
        : new HostileRequest("POST", "/jobs", """{"payload":1}""", Made.Jobs, KeyHeader(key)));

    public static readonly Gen<HostileRequest> OtherBody = Gen.OneOf(
        NameField(Owners).Select(owner => new HostileRequest("POST", "/feed-tokens", $"{{\"owner\":{owner}}}")),
        Gen.Select(Text, Value).Select(field => new HostileRequest("POST", "/feed-tokens", JsonText.Object([("owner", "\"user-1\""), field]))),
        Either(UnicodeText.Select(JsonText.String), Gen.OneOf(LoneSurrogate.Select(JsonText.String), Value))
            .Select(input => new HostileRequest("POST", "/submit", $"{{\"input\":{input}}}", Made.Jobs)),
        Gen.Select(Text, Value).Select(field => new HostileRequest("PUT", "/queues/emails/event-log", JsonText.Object([field]), Made.QueueSettings)));
}
