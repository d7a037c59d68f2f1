namespace JobQueue;

/// <summary>
/// Names the job type of a typed payload (<c>[JobType("send-welcome-email")]</c>). Without it the type is the
/// payload class's name in kebab case (<c>SendWelcomeEmail</c> → <c>send-welcome-email</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class JobTypeAttribute(string name) : Attribute
{
    public string Name => name;
}
