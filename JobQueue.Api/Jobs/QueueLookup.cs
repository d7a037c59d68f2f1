using JobQueue.Api.Http;

namespace JobQueue.Api.Jobs;

public static class QueueLookup
{
    /// <summary>
    /// The name of a queue a worker pool reads (null: the default queue); a 400 problem for a name that breaks the
    /// rule, a 404 for one no pool reads.
    /// </summary>
    public static async Task<string> FindAsync(QueueDirectory queues, string? queue)
    {
        if (queue is not null && !QueueName.IsValid(queue))
        {
            throw ProblemException.BadRequest("Invalid queue name", $"A queue name is {QueueName.Rule}.");
        }

        try
        {
            return (await queues.KnownAsync(queue)).Name;
        }
        catch (UnknownQueueException e)
        {
            throw new ProblemException(StatusCodes.Status404NotFound, "Queue not found", e.Message);
        }
    }
}
