using System.Net;
using System.Text;
using System.Text.Json;
using JobQueue.Tests.Infrastructure;

namespace JobQueue.Tests.Integration;

/// <summary>Every malformed request gets its 4xx as problem+json, and Redis holds exactly what it held before.</summary>
[Collection(AppCollection.Name)]
public sealed class BadInputTests(AppFixture app)
{
    private const string Json = "application/json";

    public static TheoryData<string, string, string, string?, byte[]?, int> Cases() => new()
    {
        { "not JSON", "POST", "/jobs", Json, Utf8("{oops"), 400 },
        { "empty body", "POST", "/jobs", Json, [], 400 },
        { "an array", "POST", "/jobs", Json, Utf8("[1,2]"), 400 },
        { "a bare string", "POST", "/jobs", Json, Utf8("\"x\""), 400 },
        { "no payload", "POST", "/jobs", Json, Utf8("""{"type":"echo"}"""), 400 },
        { "an unknown field", "POST", "/jobs", Json, Utf8("""{"payload":1,"priority":5}"""), 400 },
        { "a duplicated field", "POST", "/jobs", Json, Utf8("""{"payload":1,"payload":2}"""), 400 },
        { "a numeric type", "POST", "/jobs", Json, Utf8("""{"payload":1,"type":7}"""), 400 },
        { "a malformed type", "POST", "/jobs", Json, Utf8("""{"payload":1,"type":"Bad Type!"}"""), 400 },
        { "a type no worker handles", "POST", "/jobs", Json, Utf8("""{"payload":1,"type":"resize-image"}"""), 400 },
        { "invalid UTF-8", "POST", "/jobs", Json, [(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}'], 400 },
        { "JSON nested 100 deep", "POST", "/jobs", Json, Utf8("{\"payload\":" + new string('[', 100) + new string(']', 100) + "}"), 400 },
        { "a text/plain body", "POST", "/jobs", "text/plain", Utf8("""{"payload":1}"""), 415 },
        { "no content type", "POST", "/jobs", null, Utf8("""{"payload":1}"""), 415 },
        { "a body over 1 MiB", "POST", "/jobs", Json, Utf8("{\"payload\":\"" + new string('x', 1024 * 1024) + "\"}"), 413 },
        { "a malformed job id", "GET", "/jobs/not-a-uuid", null, null, 400 },
        { "an unknown job id", "GET", "/jobs/3f2504e0-4f89-41d3-9a0c-0305e82c3301", null, null, 404 },
        { "a wrong method", "DELETE", "/jobs", null, null, 405 },
        { "a submit without input", "POST", "/submit", Json, Utf8("""{"text":"hi"}"""), 400 },
        { "a submit with a numeric input", "POST", "/submit", Json, Utf8("""{"input":5}"""), 400 },
        { "a status without id", "GET", "/status", null, null, 400 },
        { "a status with a malformed id", "GET", "/status?id=42", null, null, 400 },
        { "max_attempts 0", "POST", "/jobs", Json, Utf8("""{"payload":1,"max_attempts":0}"""), 400 },
        { "max_attempts over 25", "POST", "/jobs", Json, Utf8("""{"payload":1,"max_attempts":26}"""), 400 },
        { "max_attempts as a string", "POST", "/jobs", Json, Utf8("""{"payload":1,"max_attempts":"3"}"""), 400 },
        { "a back-off of an unknown type", "POST", "/jobs", Json, Utf8("""{"payload":1,"backoff":{"type":"linear","delay_ms":100}}"""), 400 },
        { "a back-off without a delay", "POST", "/jobs", Json, Utf8("""{"payload":1,"backoff":{"type":"fixed"}}"""), 400 },
        { "a back-off delay of 0", "POST", "/jobs", Json, Utf8("""{"payload":1,"backoff":{"type":"fixed","delay_ms":0}}"""), 400 },
        { "a fixed back-off with a cap", "POST", "/jobs", Json, Utf8("""{"payload":1,"backoff":{"type":"fixed","delay_ms":10,"max_delay_ms":20}}"""), 400 },
        { "a back-off cap under its delay", "POST", "/jobs", Json, Utf8("""{"payload":1,"backoff":{"type":"exponential","delay_ms":500,"max_delay_ms":100}}"""), 400 },
        { "a back-off with an unknown field", "POST", "/jobs", Json, Utf8("""{"payload":1,"backoff":{"type":"fixed","delay_ms":10,"factor":3}}"""), 400 },
        { "a back-off that is a number", "POST", "/jobs", Json, Utf8("""{"payload":1,"backoff":1000}"""), 400 },
        { "a timeout under 100 ms", "POST", "/jobs", Json, Utf8("""{"payload":1,"timeout_ms":10}"""), 400 },
        { "a negative delay", "POST", "/jobs", Json, Utf8("""{"payload":1,"delay_ms":-5}"""), 400 },
        { "a fractional delay", "POST", "/jobs", Json, Utf8("""{"payload":1,"delay_ms":1.5}"""), 400 },
        { "a delay as a string", "POST", "/jobs", Json, Utf8("""{"payload":1,"delay_ms":"10"}"""), 400 },
        { "a run_at without an offset", "POST", "/jobs", Json, Utf8("""{"payload":1,"run_at":"2030-01-01T00:00:00"}"""), 400 },
        { "a run_at that is not a date", "POST", "/jobs", Json, Utf8("""{"payload":1,"run_at":"tomorrow"}"""), 400 },
        { "both delay_ms and run_at", "POST", "/jobs", Json, Utf8("""{"payload":1,"delay_ms":5,"run_at":"2030-01-01T00:00:00Z"}"""), 400 },
        { "a list with an unknown status", "GET", "/jobs?status=lost", null, null, 400 },
        { "a list with a limit of 0", "GET", "/jobs?limit=0", null, null, 400 },
        { "a list with a forged cursor", "GET", "/jobs?cursor=abc", null, null, 400 },
        { "dead letters with a forged cursor", "GET", "/dead-letters?cursor=x-y", null, null, 400 },
        { "canceling a malformed id", "POST", "/jobs/42/cancel", null, null, 400 },
        { "canceling an unknown job", "DELETE", "/jobs/3f2504e0-4f89-41d3-9a0c-0305e82c3301", null, null, 404 },
        { "a queue name with bad characters", "POST", "/jobs", Json, Utf8("""{"payload":1,"queue":"Emails!"}"""), 400 },
        { "a queue name that is a number", "POST", "/jobs", Json, Utf8("""{"payload":1,"queue":5}"""), 400 },
        { "a queue no pool reads", "POST", "/jobs", Json, Utf8("""{"payload":1,"queue":"nowhere"}"""), 400 },
        { "a type no pool of the queue handles", "POST", "/jobs", Json, Utf8("""{"payload":1,"queue":"emails","type":"resize-image"}"""), 400 },
        { "a list of a queue no pool reads", "GET", "/jobs?queue=nowhere", null, null, 404 },
        { "a list of a malformed queue", "GET", "/jobs?queue=No%20Way", null, null, 400 },
        { "dead letters of a queue no pool reads", "GET", "/dead-letters?queue=nowhere", null, null, 404 },
        { "an unknown queue", "GET", "/queues/nowhere", null, null, 404 },
        { "pausing an unknown queue", "POST", "/queues/nowhere/pause", null, null, 404 },
        { "pausing a malformed queue", "POST", "/queues/No!/pause", null, null, 400 },
        { "a concurrency limit of 0", "PUT", "/queues/emails/limits", Json, Utf8("""{"concurrency":0}"""), 400 },
        { "a concurrency limit as a string", "PUT", "/queues/emails/limits", Json, Utf8("""{"concurrency":"5"}"""), 400 },
        { "a rate limit without a period", "PUT", "/queues/emails/limits", Json, Utf8("""{"rate":{"max":10}}"""), 400 },
        { "a rate limit of 0", "PUT", "/queues/emails/limits", Json, Utf8("""{"rate":{"max":0,"period_ms":1000}}"""), 400 },
        { "a rate period of 1 ms", "PUT", "/queues/emails/limits", Json, Utf8("""{"rate":{"max":5,"period_ms":1}}"""), 400 },
        { "a rate period over a day", "PUT", "/queues/emails/limits", Json, Utf8("""{"rate":{"max":5,"period_ms":86400001}}"""), 400 },
        { "limits with an unknown field", "PUT", "/queues/emails/limits", Json, Utf8("""{"burst":3}"""), 400 },
        { "limits that are an array", "PUT", "/queues/emails/limits", Json, Utf8("[1]"), 400 },
        { "limits of an unknown queue", "PUT", "/queues/nowhere/limits", Json, Utf8("""{"concurrency":1}"""), 404 },
        { "a group with a space", "POST", "/jobs", Json, Utf8("""{"payload":1,"group":"tenant 42"}"""), 400 },
        { "a group that is a number", "POST", "/jobs", Json, Utf8("""{"payload":1,"group":42}"""), 400 },
        { "a group limit of 0", "PUT", "/queues/emails/limits", Json, Utf8("""{"group_concurrency":0}"""), 400 },
        { "retrying an unknown job", "POST", "/jobs/3f2504e0-4f89-41d3-9a0c-0305e82c3301/retry", null, null, 404 },
        { "a list by an invalid type", "GET", "/jobs?type=Not%20A%20Type", null, null, 400 },
        { "a list by an invalid owner", "GET", "/jobs?owner=a%20b", null, null, 400 },
        { "a list by an invalid group", "GET", "/jobs?group=" + new string('g', 200), null, null, 400 },
        { "a list from a time that is no time", "GET", "/jobs?created_from=yesterday", null, null, 400 },
        { "promoting an unknown job", "POST", "/jobs/3f2504e0-4f89-41d3-9a0c-0305e82c3301/promote", null, null, 404 },
        { "promoting a job by a malformed id", "POST", "/jobs/not-an-id/promote", null, null, 400 },
        { "purging an unknown job", "DELETE", "/jobs/3f2504e0-4f89-41d3-9a0c-0305e82c3301?purge=true", null, null, 404 },
        { "retrying dead letters of an invalid type", "POST", "/dead-letters/retry?type=Bad%20Type", null, null, 400 },
        { "deleting dead letters of a queue no pool reads", "DELETE", "/dead-letters?queue=nowhere", null, null, 404 },
        { "events of an unknown job", "GET", "/jobs/3f2504e0-4f89-41d3-9a0c-0305e82c3301/events", null, null, 404 },
        { "a websocket path without an upgrade", "GET", "/jobs/3f2504e0-4f89-41d3-9a0c-0305e82c3301/ws", null, null, 400 },
        { "an owner with a space", "POST", "/jobs", Json, Utf8("""{"payload":1,"owner":"user 1"}"""), 400 },
        { "an owner that is a number", "POST", "/jobs", Json, Utf8("""{"payload":1,"owner":1}"""), 400 },
        { "an owner of one dot (a path segment every client removes)", "POST", "/jobs", Json, Utf8("""{"payload":1,"owner":"."}"""), 400 },
        { "a group of two dots", "POST", "/jobs", Json, Utf8("""{"payload":1,"group":".."}"""), 400 },
        { "an owner of 129 characters", "POST", "/jobs", Json, Utf8("{\"payload\":1,\"owner\":\"" + new string('u', 129) + "\"}"), 400 },
        { "a feed token request without an owner", "POST", "/feed-tokens", Json, Utf8("{}"), 400 },
        { "a feed token request for a malformed owner", "POST", "/feed-tokens", Json, Utf8("""{"owner":"user 1"}"""), 400 },
        { "a feed token request with another field", "POST", "/feed-tokens", Json, Utf8("""{"owner":"user-1","admin":true}"""), 400 },
        { "an owner feed without a token", "GET", "/owners/user-1/events", null, null, 401 },
        { "an owner websocket path without an upgrade", "GET", "/owners/user-1/ws", null, null, 400 },
        { "an owner feed with a garbage token", "GET", "/owners/user-1/events?access_token=garbage", null, null, 401 },
        { "an owner feed with a forged token", "GET", "/owners/user-1/events?access_token=" + TestTokens.Forged("user-1"), null, null, 401 },
        { "an owner feed with an expired token", "GET", "/owners/user-1/events?access_token=" + TestTokens.Expired("user-1"), null, null, 401 },
        { "an owner feed with another owner's token", "GET", "/owners/user-1/events?access_token=" + TestTokens.For("user-2"), null, null, 403 },
        { "an owner feed of a malformed owner", "GET", "/owners/user%201/events", null, null, 400 },
        { "an owner feed with a malformed event id", "GET", "/owners/user-1/events?after=yesterday&access_token=" + TestTokens.For("user-1"), null, null, 400 },
        { "a queue feed with a malformed event id", "GET", "/queues/emails/events?after=x-1", null, null, 400 },
        { "a queue feed of a queue no pool reads", "GET", "/queues/nowhere/events", null, null, 404 },
        { "an event log longer than a million", "PUT", "/queues/emails/event-log", Json, Utf8("""{"max_length":1000001}"""), 400 },
        { "an event log length as a string", "PUT", "/queues/emails/event-log", Json, Utf8("""{"max_length":"10"}"""), 400 },
        { "an event log setting of a queue no pool reads", "PUT", "/queues/nowhere/event-log", Json, Utf8("""{"max_length":10}"""), 404 },
        { "a schedule with a cron of 61 minutes", "PUT", "/schedules/nightly", Json, Utf8("""{"cron":"61 * * * *","job":{"payload":1}}"""), 400 },
        { "a schedule with a cron of three fields", "PUT", "/schedules/nightly", Json, Utf8("""{"cron":"* * *","job":{"payload":1}}"""), 400 },
        { "a schedule that never fires (30 February)", "PUT", "/schedules/nightly", Json, Utf8("""{"cron":"0 0 30 2 *","job":{"payload":1}}"""), 400 },
        { "a schedule in an unknown time zone", "PUT", "/schedules/nightly", Json, Utf8("""{"cron":"0 6 * * *","time_zone":"Mars/Olympus","job":{"payload":1}}"""), 400 },
        { "a schedule without a job", "PUT", "/schedules/nightly", Json, Utf8("""{"cron":"0 6 * * *"}"""), 400 },
        { "a schedule whose job has no payload", "PUT", "/schedules/nightly", Json, Utf8("""{"cron":"0 6 * * *","job":{"type":"echo"}}"""), 400 },
        { "a schedule whose job has a type no worker handles", "PUT", "/schedules/nightly", Json, Utf8("""{"cron":"0 6 * * *","job":{"payload":1,"type":"resize-image"}}"""), 400 },
        { "a schedule whose job goes to a queue no pool reads", "PUT", "/schedules/nightly", Json, Utf8("""{"cron":"0 6 * * *","job":{"payload":1,"queue":"nowhere"}}"""), 400 },
        { "a schedule whose job has a delay", "PUT", "/schedules/nightly", Json, Utf8("""{"cron":"0 6 * * *","job":{"payload":1,"delay_ms":5}}"""), 400 },
        { "a schedule whose job has 0 attempts", "PUT", "/schedules/nightly", Json, Utf8("""{"cron":"0 6 * * *","job":{"payload":1,"max_attempts":0}}"""), 400 },
        { "a schedule with an unknown misfire policy", "PUT", "/schedules/nightly", Json, Utf8("""{"cron":"0 6 * * *","misfire":"sometimes","job":{"payload":1}}"""), 400 },
        { "a schedule with an unknown field", "PUT", "/schedules/nightly", Json, Utf8("""{"cron":"0 6 * * *","every":"day","job":{"payload":1}}"""), 400 },
        { "a schedule with a cron that is a number", "PUT", "/schedules/nightly", Json, Utf8("""{"cron":6,"job":{"payload":1}}"""), 400 },
        { "a schedule with a cron of 150,000 listed minutes", "PUT", "/schedules/nightly", Json, Utf8("{\"cron\":\"" + string.Join(",", Enumerable.Repeat("0", 150_000)) + " * * * *\",\"job\":{\"payload\":1}}"), 400 },
        { "a schedule with a cron field of 61 listed values", "PUT", "/schedules/nightly", Json, Utf8("{\"cron\":\"" + string.Join(",", Enumerable.Repeat("7", 61)) + " * * * *\",\"job\":{\"payload\":1}}"), 400 },
        { "a schedule named with a space", "PUT", "/schedules/night%20ly", Json, Utf8("""{"cron":"0 6 * * *","job":{"payload":1}}"""), 400 },
        { "an unknown schedule", "GET", "/schedules/no-such-schedule", null, null, 404 },
        { "triggering an unknown schedule", "POST", "/schedules/no-such-schedule/trigger", null, null, 404 },
        { "pausing an unknown schedule", "POST", "/schedules/no-such-schedule/pause", null, null, 404 },
        { "resuming an unknown schedule", "POST", "/schedules/no-such-schedule/resume", null, null, 404 },
        { "deleting an unknown schedule", "DELETE", "/schedules/no-such-schedule", null, null, 404 },
        { "a schedule whose job depends on another", "PUT", "/schedules/nightly", Json, Utf8("""{"cron":"0 6 * * *","job":{"payload":1,"depends_on":["3f2504e0-4f89-41d3-9a0c-0305e82c3301"]}}"""), 400 },
        { "depends_on an unknown job", "POST", "/jobs", Json, Utf8("""{"payload":1,"depends_on":["3f2504e0-4f89-41d3-9a0c-0305e82c3301"]}"""), 400 },
        { "depends_on something not a job id", "POST", "/jobs", Json, Utf8("""{"payload":1,"depends_on":["first"]}"""), 400 },
        { "depends_on an empty list", "POST", "/jobs", Json, Utf8("""{"payload":1,"depends_on":[]}"""), 400 },
        { "depends_on a number", "POST", "/jobs", Json, Utf8("""{"payload":1,"depends_on":[7]}"""), 400 },
        { "depends_on with an unknown on_failure", "POST", "/jobs", Json, Utf8("""{"payload":1,"depends_on":[{"job":"3f2504e0-4f89-41d3-9a0c-0305e82c3301","on_failure":"retry"}]}"""), 400 },
        { "a ref outside a workflow", "POST", "/jobs", Json, Utf8("""{"payload":1,"ref":"a"}"""), 400 },
        { "a workflow that is not an object of jobs", "POST", "/workflows", Json, Utf8("""[{"payload":1}]"""), 400 },
        { "a workflow without jobs", "POST", "/workflows", Json, Utf8("""{"jobs":[]}"""), 400 },
        { "a workflow with a cycle", "POST", "/workflows", Json, Utf8("""{"jobs":[{"ref":"a","payload":1,"depends_on":["b"]},{"ref":"b","payload":2,"depends_on":["a"]}]}"""), 400 },
        { "a workflow job that depends on itself", "POST", "/workflows", Json, Utf8("""{"jobs":[{"ref":"a","payload":1,"depends_on":["a"]}]}"""), 400 },
        { "a workflow naming an unknown ref", "POST", "/workflows", Json, Utf8("""{"jobs":[{"ref":"a","payload":1},{"payload":2,"depends_on":["c"]}]}"""), 400 },
        { "a workflow naming an unknown job id", "POST", "/workflows", Json, Utf8("""{"jobs":[{"ref":"a","payload":1},{"payload":2,"depends_on":["a","3f2504e0-4f89-41d3-9a0c-0305e82c3301"]}]}"""), 400 },
        { "a workflow with a ref used twice", "POST", "/workflows", Json, Utf8("""{"jobs":[{"ref":"a","payload":1},{"ref":"a","payload":2}]}"""), 400 },
        { "a workflow listing a dependency twice", "POST", "/workflows", Json, Utf8("""{"jobs":[{"ref":"a","payload":1},{"payload":2,"depends_on":["a","a"]}]}"""), 400 },
        { "a workflow over two queues", "POST", "/workflows", Json, Utf8("""{"jobs":[{"ref":"a","payload":1},{"payload":2,"queue":"emails","depends_on":["a"]}]}"""), 400 },
        { "a workflow whose job has no payload", "POST", "/workflows", Json, Utf8("""{"jobs":[{"ref":"a","payload":1},{"type":"echo","depends_on":["a"]}]}"""), 400 },
        { "a workflow whose last job has a type no worker handles", "POST", "/workflows", Json, Utf8("""{"jobs":[{"ref":"a","payload":1},{"payload":2,"type":"resize-image","depends_on":["a"]}]}"""), 400 },
        // Strings that are not valid Unicode: a JSON escape of a lone surrogate, wherever a body holds a string (field names too).
        { "a payload with a lone high surrogate", "POST", "/jobs", Json, Utf8("""{"payload":"\ud800"}"""), 400 },
        { "a payload with a lone low surrogate", "POST", "/jobs", Json, Utf8("""{"payload":["x\udc00"]}"""), 400 },
        { "a payload with its surrogates reversed", "POST", "/jobs", Json, Utf8("""{"payload":"\udc00\ud800"}"""), 400 },
        { "a payload with a high surrogate before another escape", "POST", "/jobs", Json, Utf8("""{"payload":"\ud800\u0041"}"""), 400 },
        { "a payload with a high surrogate at its end", "POST", "/jobs", Json, Utf8("""{"payload":{"a":"ok \ud83d"}}"""), 400 },
        { "a payload field name with a lone surrogate", "POST", "/jobs", Json, Utf8("""{"payload":{"\ud800":1}}"""), 400 },
        { "a field name with a lone surrogate", "POST", "/jobs", Json, Utf8("""{"payload":1,"\udfff":1}"""), 400 },
        { "a type with a lone surrogate", "POST", "/jobs", Json, Utf8("""{"payload":1,"type":"echo\ud800"}"""), 400 },
        { "a queue with a lone surrogate", "POST", "/jobs", Json, Utf8("""{"payload":1,"queue":"\ud800"}"""), 400 },
        { "an owner with a lone surrogate", "POST", "/jobs", Json, Utf8("""{"payload":1,"owner":"\ud800"}"""), 400 },
        { "a group with a lone surrogate", "POST", "/jobs", Json, Utf8("""{"payload":1,"group":"\udc00"}"""), 400 },
        { "a run_at with a lone surrogate", "POST", "/jobs", Json, Utf8("""{"payload":1,"run_at":"2030-01-01T00:00:00Z\ud800"}"""), 400 },
        { "depends_on with a lone surrogate", "POST", "/jobs", Json, Utf8("""{"payload":1,"depends_on":["\ud800"]}"""), 400 },
        { "a back-off type with a lone surrogate", "POST", "/jobs", Json, Utf8("""{"payload":1,"backoff":{"type":"\ud800","delay_ms":10}}"""), 400 },
        { "a workflow ref with a lone surrogate", "POST", "/workflows", Json, Utf8("""{"jobs":[{"ref":"\ud800","payload":1}]}"""), 400 },
        { "a workflow payload with a lone surrogate", "POST", "/workflows", Json, Utf8("""{"jobs":[{"ref":"a","payload":"\udbff"}]}"""), 400 },
        { "a schedule whose job's payload has a lone surrogate", "PUT", "/schedules/surrogate", Json, Utf8("""{"cron":"0 6 * * *","job":{"payload":"\ud800"}}"""), 400 },
        { "a schedule whose cron has a lone surrogate", "PUT", "/schedules/surrogate", Json, Utf8("""{"cron":"0 6 * * *\ud800","job":{"payload":1}}"""), 400 },
        { "a schedule whose time zone has a lone surrogate", "PUT", "/schedules/surrogate", Json, Utf8("""{"cron":"0 6 * * *","time_zone":"\ud800","job":{"payload":1}}"""), 400 },
        { "a schedule whose misfire policy has a lone surrogate", "PUT", "/schedules/surrogate", Json, Utf8("""{"cron":"0 6 * * *","misfire":"\ud800","job":{"payload":1}}"""), 400 },
        { "a feed token request for an owner with a lone surrogate", "POST", "/feed-tokens", Json, Utf8("""{"owner":"\ud800"}"""), 400 },
        { "a submit with a lone surrogate", "POST", "/submit", Json, Utf8("""{"input":"hello \ud800"}"""), 400 },
        { "limits with a field name with a lone surrogate", "PUT", "/queues/emails/limits", Json, Utf8("""{"\ud800":1}"""), 400 },
        { "an event log setting with a field name with a lone surrogate", "PUT", "/queues/emails/event-log", Json, Utf8("""{"\ud800":1}"""), 400 },
        { "a list by an owner of surrogate bytes", "GET", "/jobs?owner=%ED%A0%80", null, null, 400 },
        { "a list from a cursor of surrogate bytes", "GET", "/jobs?cursor=%ED%A0%80", null, null, 400 },
        { "dead letters from a cursor of surrogate bytes", "GET", "/dead-letters?cursor=%ED%A0%80", null, null, 400 },
        { "a schedule named with surrogate bytes", "PUT", "/schedules/%ED%A0%80", Json, Utf8("""{"cron":"0 6 * * *","job":{"payload":1}}"""), 400 },
        { "a queue named with surrogate bytes", "GET", "/queues/%ED%A0%80", null, null, 400 },
        // Nesting: a payload nests at most 32 deep, whichever endpoint it comes through, so every reader can read it back wrapped.
        { "a payload nested 33 deep", "POST", "/jobs", Json, Utf8("{\"payload\":" + Nested(33) + "}"), 400 },
        { "a payload nested 63 deep (the body 64)", "POST", "/jobs", Json, Utf8("{\"payload\":" + Nested(63) + "}"), 400 },
        { "a workflow payload nested 33 deep", "POST", "/workflows", Json, Utf8("{\"jobs\":[{\"payload\":" + Nested(33) + "}]}"), 400 },
        { "a schedule's job payload nested 33 deep", "PUT", "/schedules/deep", Json, Utf8("{\"cron\":\"0 6 * * *\",\"job\":{\"payload\":" + Nested(33) + "}}"), 400 },
        { "a schedule's job payload nested 62 deep (the body 64)", "PUT", "/schedules/deep", Json, Utf8("{\"cron\":\"0 6 * * *\",\"job\":{\"payload\":" + Nested(62) + "}}"), 400 },
        { "a submit's body nested 65 deep", "POST", "/submit", Json, Utf8("{\"input\":" + Nested(64) + "}"), 400 },
        // Names and identifiers with a trailing newline (.NET's '$' matches before a final "\n").
        { "a schedule named with a trailing newline", "PUT", "/schedules/x%0A", Json, Utf8("""{"cron":"0 6 * * *","job":{"payload":1}}"""), 400 },
        { "a schedule named with a trailing CRLF", "PUT", "/schedules/x%0D%0A", Json, Utf8("""{"cron":"0 6 * * *","job":{"payload":1}}"""), 400 },
        { "getting a schedule named with a trailing newline", "GET", "/schedules/x%0A", null, null, 400 },
        { "an owner with a trailing newline", "POST", "/jobs", Json, Utf8("""{"payload":1,"owner":"user-1\n"}"""), 400 },
        { "a group with a trailing newline", "POST", "/jobs", Json, Utf8("""{"payload":1,"group":"tenant-42\n"}"""), 400 },
        { "a type with a trailing newline", "POST", "/jobs", Json, Utf8("""{"payload":1,"type":"echo\n"}"""), 400 },
        { "a queue with a trailing newline", "POST", "/jobs", Json, Utf8("""{"payload":1,"queue":"emails\n"}"""), 400 },
        { "a workflow ref with a trailing newline", "POST", "/workflows", Json, Utf8("""{"jobs":[{"ref":"a\n","payload":1}]}"""), 400 },
        { "a schedule whose job's owner has a trailing newline", "PUT", "/schedules/nightly", Json, Utf8("""{"cron":"0 6 * * *","job":{"payload":1,"owner":"user-1\n"}}"""), 400 },
        { "a feed token request for an owner with a trailing newline", "POST", "/feed-tokens", Json, Utf8("""{"owner":"user-1\n"}"""), 400 },
        { "a list by an owner with a trailing newline", "GET", "/jobs?owner=user-1%0A", null, null, 400 },
        { "a list by a group with a trailing newline", "GET", "/jobs?group=tenant-42%0A", null, null, 400 },
        { "a list by a type with a trailing newline", "GET", "/jobs?type=echo%0A", null, null, 400 },
        { "a list of a queue with a trailing newline", "GET", "/jobs?queue=emails%0A", null, null, 400 },
        { "a queue with a trailing newline", "GET", "/queues/emails%0A", null, null, 400 },
        { "pausing a queue with a trailing newline", "POST", "/queues/emails%0A/pause", null, null, 400 },
        { "dead letters of a type with a trailing newline", "POST", "/dead-letters/retry?type=echo%0A", null, null, 400 },
        { "an owner feed of an owner with a trailing newline", "GET", "/owners/user-1%0A/events?access_token=" + TestTokens.For("user-1\n"), null, null, 400 },
        { "a list from a cursor with a trailing newline", "GET", "/jobs?cursor=1:3f2504e0-4f89-41d3-9a0c-0305e82c3301%0A", null, null, 400 },
        // Cursors and resume points: parsed and range-checked before they reach Redis.
        { "dead letters from cursor 0-0", "GET", "/dead-letters?cursor=0-0", null, null, 400 },
        { "dead letters from a cursor past 64 bits", "GET", "/dead-letters?cursor=99999999999999999999-0", null, null, 400 },
        { "dead letters from a cursor with a trailing newline", "GET", "/dead-letters?cursor=1-1%0A", null, null, 400 },
        { "dead letters from a cursor of Arabic-Indic digits", "GET", "/dead-letters?cursor=%D9%A1-1", null, null, 400 },
        { "dead letters from a cursor with a sign", "GET", "/dead-letters?cursor=%2B1-1", null, null, 400 },
        { "dead letters of a limit past 32 bits", "GET", "/dead-letters?limit=99999999999", null, null, 400 },
        { "a list from a cursor of Arabic-Indic digits", "GET", "/jobs?cursor=%D9%A1:3f2504e0-4f89-41d3-9a0c-0305e82c3301", null, null, 400 },
        { "a list from a cursor past 64 bits", "GET", "/jobs?cursor=99999999999999999999:3f2504e0-4f89-41d3-9a0c-0305e82c3301", null, null, 400 },
        { "a list from a cursor without a job id", "GET", "/jobs?cursor=1:------------------------------------", null, null, 400 },
        { "a list with a limit in exponent form", "GET", "/jobs?limit=1e3", null, null, 400 },
        { "a list created from the year 1", "GET", "/jobs?created_from=0001-01-01T00:00:00Z", null, null, 400 },
        { "a queue feed from an event id with a trailing newline", "GET", "/queues/emails/events?after=1-1%0A", null, null, 400 },
        { "a queue feed from an event id with a sign", "GET", "/queues/emails/events?after=%2B1-1", null, null, 400 },
        { "a queue feed from an event id past 64 bits", "GET", "/queues/emails/events?after=99999999999999999999-0", null, null, 400 },
        { "a queue feed from a negative event id", "GET", "/queues/emails/events?after=-1-1", null, null, 400 },
        { "an owner feed from an event id with a sign", "GET", "/owners/user-1/events?after=%2B5&access_token=" + TestTokens.For("user-1"), null, null, 400 },
        { "an owner feed from an event id with a trailing newline", "GET", "/owners/user-1/events?after=5%0A&access_token=" + TestTokens.For("user-1"), null, null, 400 },
        // Values that reached a parser unchecked.
        { "a rate limit whose max is a string", "PUT", "/queues/emails/limits", Json, Utf8("""{"rate":{"max":"5","period_ms":1000}}"""), 400 },
        { "a schedule in a time zone that is a directory", "PUT", "/schedules/nightly", Json, Utf8("""{"cron":"0 6 * * *","time_zone":"Europe","job":{"payload":1}}"""), 400 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_bad_request_gets_a_problem_and_writes_nothing(
        string what, string method, string path, string? contentType, byte[]? body, int expected)
    {
        using var request = Request(method, path, contentType, body);
        await AssertRefusedAsync(what, request, expected);
    }

    [Fact]
    public async Task Every_read_still_answers_after_each_bad_request()
    {
        foreach (var row in Cases())
        {
            var (what, method, path, contentType, body) = ((string)row[0], (string)row[1], (string)row[2], (string?)row[3], (byte[]?)row[4]);
            using (var request = Request(method, path, contentType, body))
            using (await app.Api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
            {
            }

            await SystemReads.AssertAllAnswerAsync(app.Api, what, "user-1");
        }
    }

    /// <summary>
    /// Kestrel's own refusals of a body it cannot read (a chunk size that overflows, one that is not hexadecimal) are the
    /// client's fault: a 400 problem, nothing written, and nothing logged above debug.
    /// </summary>
    [Theory]
    [InlineData("a chunk size that overflows", "ffffffffffffffffff")]
    [InlineData("a chunk size that is not hexadecimal", "zz")]
    [InlineData("a chunk size with a sign", "-5")]
    public async Task A_body_kestrel_cannot_read_gets_a_problem_writes_nothing_and_logs_no_error(string what, string chunkSize)
    {
        var keysBefore = await app.Db.ExecuteAsync("DBSIZE");
        var sent = DateTimeOffset.UtcNow;
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(app.Api.BaseAddress!.Host, app.Api.BaseAddress.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Utf8($"POST /jobs HTTP/1.1\r\nHost: {app.Api.BaseAddress.Authority}\r\nContent-Type: application/json\r\nConnection: close\r\n" +
            $"Transfer-Encoding: chunked\r\n\r\n{chunkSize}\r\n{{\"payload\":1}}\r\n0\r\n\r\n"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var response = await RawResponse.ReadAsync(stream, timeout.Token);

        Assert.True(response.Status == 400, $"{what}: expected 400, got {response.Status}: {response.Body}");
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.Equal(400, JsonDocument.Parse(response.Body).RootElement.GetProperty("status").GetInt32());
        Assert.Equal((long)keysBefore, (long)await app.Db.ExecuteAsync("DBSIZE"));
        await Task.Delay(TimeSpan.FromSeconds(1)); // the log lines of the request reach the AppHost
        var logged = (await app.Resources.LinesOfAllAsync("api", 500))
            .Where(line => line.Time >= sent && (line.Text.Contains("fail:", StringComparison.Ordinal)
                || line.Text.Contains("warn:", StringComparison.Ordinal) || line.Text.Contains("crit:", StringComparison.Ordinal)))
            .Select(line => line.Text).ToList();
        Assert.True(logged.Count == 0, $"{what}: logged {string.Join("\n", logged)}");
        TestReport.Add($"Bad input: {what} (raw HTTP) -> {response.Status}");
    }

    /// <summary>
    /// Idempotency keys of POST /jobs and POST /workflows never meet: a workflow's key is not any job's key, however the
    /// jobs' keys are spelled, and the keys schedules fire their occurrences under cannot be sent at all. A key of POST
    /// /jobs still replays as it always did.
    /// </summary>
    [Fact]
    public async Task Idempotency_keys_of_jobs_workflows_and_schedules_never_collide()
    {
        var key = "k-" + Guid.NewGuid().ToString("N");
        var job = await PostWithKeyAsync("/jobs", key + "#0", """{"payload":1}""");
        Assert.Equal(HttpStatusCode.Accepted, job.StatusCode);

        var workflow = await PostWithKeyAsync("/workflows", key, """{"jobs":[{"ref":"a","payload":2},{"payload":3,"depends_on":["a"]}]}""");
        Assert.True(workflow.StatusCode == HttpStatusCode.Accepted, $"the workflow answered {(int)workflow.StatusCode}: {workflow.Body}");
        var workflowAgain = await PostWithKeyAsync("/workflows", key, """{"jobs":[{"ref":"a","payload":2},{"payload":3,"depends_on":["a"]}]}""");
        Assert.Equal(HttpStatusCode.Accepted, workflowAgain.StatusCode);
        Assert.Equal(JobIds(workflow.Body), JobIds(workflowAgain.Body));
        Assert.DoesNotContain(JsonDocument.Parse(job.Body).RootElement.GetProperty("job_id").GetString(), JobIds(workflow.Body));

        var jobAgain = await PostWithKeyAsync("/jobs", key + "#0", """{"payload":1}""");
        Assert.Equal(HttpStatusCode.Accepted, jobAgain.StatusCode);
        Assert.Equal(JsonDocument.Parse(job.Body).RootElement.GetProperty("job_id").GetString(),
            JsonDocument.Parse(jobAgain.Body).RootElement.GetProperty("job_id").GetString());

        using var scheduleKey = new HttpRequestMessage(HttpMethod.Post, "/jobs") { Content = new StringContent("""{"payload":1}""", Encoding.UTF8, Json) };
        scheduleKey.Headers.TryAddWithoutValidation("Idempotency-Key", "schedule:nightly:1767225600000");
        await AssertRefusedAsync("an Idempotency-Key in the namespace of schedule occurrences", scheduleKey, 400);

        static string?[] JobIds(string body) =>
            [.. JsonDocument.Parse(body).RootElement.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("job_id").GetString())];
    }

    private async Task<(HttpStatusCode StatusCode, string Body)> PostWithKeyAsync(string path, string key, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, Json) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        using var response = await app.Api.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Huge_headers_get_a_problem_and_write_nothing()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/jobs") { Content = new StringContent("""{"payload":1}""", Encoding.UTF8, Json) };
        request.Headers.TryAddWithoutValidation("X-Padding", new string('h', 40 * 1024));

        await AssertRefusedAsync("headers over 32 KiB", request, (int)HttpStatusCode.RequestHeaderFieldsTooLarge);
    }

    [Fact]
    public async Task An_idempotency_key_that_is_too_long_gets_a_problem_and_writes_nothing()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/jobs") { Content = new StringContent("""{"payload":1}""", Encoding.UTF8, Json) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', 256));

        await AssertRefusedAsync("an Idempotency-Key of 256 characters", request, (int)HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_client_that_hangs_up_before_its_body_ends_writes_nothing_and_logs_no_error()
    {
        var keysBefore = await app.Db.ExecuteAsync("DBSIZE");
        for (var i = 0; i < 5; i++)
        {
            using var client = new System.Net.Sockets.TcpClient();
            await client.ConnectAsync(app.Api.BaseAddress!.Host, app.Api.BaseAddress.Port);
            var head = $"POST /jobs HTTP/1.1\r\nHost: {app.Api.BaseAddress.Authority}\r\nContent-Type: application/json\r\nConnection: close\r\n" +
                "Content-Length: 100\r\n\r\n{\"payload\":";
            await client.GetStream().WriteAsync(Utf8(head));
            await Task.Delay(200); // the API is reading the body by now
            client.LingerState = new System.Net.Sockets.LingerOption(true, 0); // closing sends a reset, as a killed client's host does
        }

        await Task.Delay(TimeSpan.FromSeconds(2));
        var errors = (await app.Resources.LinesOfAllAsync("api", 200))
            // The API's log is shared with the collection's other tests: look for what a hang-up logged before it was handled.
            .Where(line => line.Text.Contains("ConnectionResetException", StringComparison.Ordinal)
                || line.Text.Contains("Unexpected end of request content", StringComparison.Ordinal))
            .Select(line => line.Text).ToList();
        Assert.Empty(errors);
        Assert.Equal((long)keysBefore, (long)await app.Db.ExecuteAsync("DBSIZE"));
    }

    /// <summary>Sends the request; expects the status as an RFC 9457 problem, and Redis exactly as it was.</summary>
    private async Task AssertRefusedAsync(string what, HttpRequestMessage request, int expected)
    {
        var keysBefore = await app.Db.ExecuteAsync("DBSIZE");
        // The newest entry ever added: an XADD moves it, a worker ending another test's job (a trim) does not.
        var lastAddedBefore = (await app.Db.StreamInfoAsync(app.Keys.Stream)).LastGeneratedId;

        // Headers first: a request wrongly accepted as a feed would never end its body.
        using var response = await app.Api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.True(expected == (int)response.StatusCode, $"{what}: expected {expected}, got {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.Equal((long)keysBefore, (long)await app.Db.ExecuteAsync("DBSIZE"));
        Assert.Equal(lastAddedBefore, (await app.Db.StreamInfoAsync(app.Keys.Stream)).LastGeneratedId);
        TestReport.Add($"Bad input: {what} -> {(int)response.StatusCode}");
    }

    private static HttpRequestMessage Request(string method, string path, string? contentType, byte[]? body)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = contentType is null ? null : new(contentType);
        }

        return request;
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>JSON arrays nested <paramref name="depth"/> deep around a number.</summary>
    private static string Nested(int depth) => new string('[', depth) + "1" + new string(']', depth);
}
