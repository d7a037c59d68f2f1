using JobQueue.Worker.Handlers;

var builder = Host.CreateApplicationBuilder(args);

builder.AddServiceDefaults();
builder.AddJobQueue("redis");
builder.AddJobWorker()
    .AddHandler<EchoHandler>("echo")
    .AddHandler<UppercaseHandler>("uppercase")
    .AddHandler<SleepHandler>("sleep")
    .AddHandler<FailHandler>("fail");

builder.Build().Run();
