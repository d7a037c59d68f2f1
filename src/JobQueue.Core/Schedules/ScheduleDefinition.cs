namespace JobQueue;

/// <summary>
/// A recurring job: its <see cref="Name"/> (its identity: declaring it again updates it), a cron expression read in
/// <see cref="TimeZone"/> (an IANA name), the <see cref="Job"/> each occurrence enqueues (its run_at and idempotency key
/// are the schedule's to set), and what to do about occurrences missed while nothing ran (<see cref="Misfire"/>).
/// </summary>
public sealed record ScheduleDefinition(string Name, string Cron, NewJob Job, string TimeZone = "UTC", MisfirePolicy Misfire = MisfirePolicy.CatchUp)
{
    /// <summary>The schedule's timetable; <see cref="InvalidScheduleException"/> if the name, the cron expression, the time zone or the job's own rules are wrong.</summary>
    public CronTimetable Validate(DateTimeOffset now)
    {
        if (!ScheduleName.IsValid(Name))
        {
            throw new InvalidScheduleException($"'{Name}' is not a valid schedule name ({ScheduleName.Rule}).");
        }

        if (Job.RunAt is not null || Job.IdempotencyKey is not null)
        {
            throw new InvalidScheduleException("A schedule's job has no run_at, delay or idempotency key of its own: each occurrence sets them.");
        }

        if (!JobTypeName.IsValid(Job.Type))
        {
            throw new InvalidScheduleException($"'{Job.Type}' is not a valid job type ({JobTypeName.Rule}).");
        }

        if (Job.Group is { } group && !JobGroup.IsValid(group) || Job.Owner is { } owner && !JobOwner.IsValid(owner))
        {
            throw new InvalidScheduleException($"A job's group and owner are {Label.Rule}.");
        }

        if (Job.Policy?.Problem() is { } problem)
        {
            throw new InvalidScheduleException(problem);
        }

        var timetable = CronTimetable.Parse(Cron, TimeZone);
        return timetable.NextAfter(now) is null
            ? throw new InvalidScheduleException($"'{Cron}' never fires again (no such date).")
            : timetable;
    }
}
