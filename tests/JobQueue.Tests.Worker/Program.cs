using JobQueue.Tests.Worker;

var builder = Host.CreateApplicationBuilder(args);

builder.AddServiceDefaults();
builder.AddJobWorker("redis").AddHandler<LedgerSleepHandler>();

builder.Build().Run();
