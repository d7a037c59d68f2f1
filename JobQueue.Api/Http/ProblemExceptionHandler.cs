using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Diagnostics;
using JobQueue.Redis;
using StackExchange.Redis;

namespace JobQueue.Api.Http;

/// <summary>
/// The one place where errors become responses, each an RFC 9457 problem: a refused request
/// (<see cref="ProblemException"/>), a job or schedule that does not exist (404) or whose status forbids the operation (409),
/// a job type no worker handles or a queue no pool reads (400), an idempotency key reused for another request (422), and a Redis outage
/// (503 with Retry-After: the client should simply try again; also while a Redis Cluster fails over, or a job did not reach the replicas Queue:ReplicationAcks asks for), a request Kestrel could not read (its 4xx, whatever the framing error: the client's
/// fault, so logged at debug only). A client that hung up mid-request is answered nothing and logs no error. Anything else is left to the framework (a 500: a bug).
/// </summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    private const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is ConnectionResetException || (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested))
        {
            // The client hung up mid-request: there is no one to answer, and nothing went wrong here (no error log).
            logger.LogDebug("The client of {Method} {Path} hung up: {Reason}", context.Request.Method, context.Request.Path, exception.Message);
            return true;
        }

        var (status, title, detail) = exception switch
        {
            RedisConnectionException or RedisTimeoutException => (StatusCodes.Status503ServiceUnavailable,
                "The job store is unavailable", $"Redis cannot be reached right now; nothing was written. Retry in {RetryAfterSeconds} s."),
            RedisServerException e when IsFailingOver(e) => (StatusCodes.Status503ServiceUnavailable,
                "The job store is failing over", $"The Redis Cluster is moving this queue to another node; nothing was written. Retry in {RetryAfterSeconds} s."),
            NotReplicatedException => (StatusCodes.Status503ServiceUnavailable, "The job is not replicated",
                $"{exception.Message} It may or may not be kept: retry in {RetryAfterSeconds} s with the same Idempotency-Key to get the same job."),
            ProblemException problem => (problem.Status, problem.Title, problem.Message),
            JobNotFoundException => (StatusCodes.Status404NotFound, "Job not found", exception.Message),
            ScheduleNotFoundException => (StatusCodes.Status404NotFound, "Schedule not found", exception.Message),
            JobStateConflictException conflict => (StatusCodes.Status409Conflict, conflict.Title, exception.Message),
            UnknownJobTypeException => (StatusCodes.Status400BadRequest, "Unknown job type", exception.Message),
            UnknownQueueException => (StatusCodes.Status400BadRequest, "Unknown queue", exception.Message),
            InvalidScheduleException => (StatusCodes.Status400BadRequest, "Invalid schedule", exception.Message),
            InvalidDependencyException => (StatusCodes.Status400BadRequest, "Invalid dependencies", exception.Message),
            PartitionedQueueException partitioned => (StatusCodes.Status400BadRequest, partitioned.Title, exception.Message),
            BadHttpRequestException bad => (bad.StatusCode, "Bad request", exception.Message),
            IdempotencyKeyReusedException => (StatusCodes.Status422UnprocessableEntity, "Idempotency-Key reused", exception.Message),
            _ => (0, "", ""),
        };
        if (status == 0)
        {
            return false;
        }

        if (exception is BadHttpRequestException)
        {
            logger.LogDebug("Refused {Method} {Path} with {Status}: {Reason}", context.Request.Method, context.Request.Path, status, exception.Message);
        }

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            logger.LogWarning("Redis is unavailable, answering 503: {Reason}", exception.Message);
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString();
        }

        if (exception is ProblemException { Challenge: { } challenge })
        {
            context.Response.Headers.WWWAuthenticate = challenge;
        }

        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    /// <summary>What a Redis Cluster answers while a slot has no master yet or a node is not ready: a later try succeeds.</summary>
    private static bool IsFailingOver(RedisServerException e) =>
        e.Message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal) || e.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal)
        || e.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal) || e.Message.StartsWith("LOADING", StringComparison.Ordinal)
        || e.Message.StartsWith("READONLY", StringComparison.Ordinal);
}
