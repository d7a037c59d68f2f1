using System.Text.Json.Serialization;
using JobQueue.Api.Feeds;
using JobQueue.Api.Jobs;
using JobQueue.Api.Legacy;
using JobQueue.Api.Schedules;
using JobQueue.Api.Workflows;

namespace JobQueue.Api;

// MaxDepth: answers hold stored values (at most JsonNesting.MaxStoredDepth deep, RawJson sees to it) a few levels deep.
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, MaxDepth = JsonNesting.ReaderMaxDepth)]
[JsonSerializable(typeof(JobView))]
[JsonSerializable(typeof(Http.ApiIndexView))]
[JsonSerializable(typeof(JobAccepted))]
[JsonSerializable(typeof(JobStateView))]
[JsonSerializable(typeof(JobPage))]
[JsonSerializable(typeof(DeadLetterPage))]
[JsonSerializable(typeof(DeadLettersActedOn))]
[JsonSerializable(typeof(QueueView))]
[JsonSerializable(typeof(QueueList))]
[JsonSerializable(typeof(NamedQueueView))]
[JsonSerializable(typeof(QueueLimitsView))]
[JsonSerializable(typeof(JobSubmissionDocument))]
[JsonSerializable(typeof(SubmitResponse))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(FeedToken))]
[JsonSerializable(typeof(FeedTokenRequest))]
[JsonSerializable(typeof(OwnerFeedEvent))]
[JsonSerializable(typeof(QueueEventView))]
[JsonSerializable(typeof(ScheduleView))]
[JsonSerializable(typeof(ScheduleList))]
[JsonSerializable(typeof(ScheduleSubmissionDocument))]
[JsonSerializable(typeof(WorkflowAccepted))]
[JsonSerializable(typeof(WorkflowDocument))]
[JsonSerializable(typeof(string))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
