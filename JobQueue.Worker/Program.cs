using JobQueue.Worker.Handlers;

// The worker the AppHost runs: the JobQueue.Processing engine with the built-in handlers. An app of your own
// registers its handlers the same way (docs/library.md, "Use it in your app").
var builder = Host.CreateApplicationBuilder(args);

builder.AddServiceDefaults();
builder.AddJobWorker("redis")
    .AddHandler<EchoHandler>("echo")
    .AddHandler<UppercaseHandler>("uppercase")
    .AddHandler<SleepHandler>("sleep")
    .AddHandler<FailHandler>("fail")
    .AddHandler<CollectHandler>("collect");

builder.Build().Run();
