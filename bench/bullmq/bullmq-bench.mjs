// BullMQ's side of JobQueue's benchmark. The .NET harness (bench/JobQueue.Benchmarks) runs it as
//   node bullmq-bench.mjs enqueue add|addBulk <jobs> <window> <batch>  -> {"elapsed_ms": ...}  (after a warm-up of jobs/10)
//   node bullmq-bench.mjs fill <jobs> [queue]                   -> {"jobs": ...}
//   node bullmq-bench.mjs produce <per_second> <seconds>        -> {"jobs": ...}
//   node bullmq-bench.mjs flow <children>                       -> {"submitted_ms": ..., "completed_ms": ...}  (one FlowProducer.add)
//   node bullmq-bench.mjs schedule <seconds>                    -> {"delays_ms": [...]}  (a job scheduler every second)
//   node bullmq-bench.mjs worker <concurrency> [<queue>:<weight>,... [<max> <duration ms>]]   runs until SIGTERM
// against the Redis in REDIS_URL. Jobs carry {t: µs since the epoch, when submitted}; the no-op processor
// returns {t, wait_us}: when it was submitted and how long after that it started: the same contract as JobQueue's side.
import { FlowProducer, Job, Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';

const QUEUE = 'bench';
// Like JobQueue's default: at most 2 runs. Completed jobs are kept (BullMQ's default), as JobQueue keeps its records.
const JOB_OPTIONS = { attempts: 2 };
const connection = () => new IORedis(process.env.REDIS_URL, { maxRetriesPerRequest: null });
const nowUs = () => (performance.timeOrigin + performance.now()) * 1000;
const job = () => ({ name: 'noop', data: { t: nowUs() } });
const print = (value) => process.stdout.write(JSON.stringify(value) + '\n');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// window jobs in flight at a time: one call each (add), or addBulk calls of batch jobs each.
async function enqueue(queue, variant, jobs, window, batch) {
  for (let sent = 0; sent < jobs; sent += window) {
    const count = Math.min(window, jobs - sent);
    if (variant === 'addBulk') {
      const sizes = Array.from({ length: Math.ceil(count / batch) }, (_, i) => Math.min(batch, count - i * batch));
      await Promise.all(sizes.map((size) => queue.addBulk(Array.from({ length: size }, () => ({ ...job(), opts: JOB_OPTIONS })))));
    } else {
      await Promise.all(Array.from({ length: count }, () => { const j = job(); return queue.add(j.name, j.data, JOB_OPTIONS); }));
    }
  }
}

const [command, ...args] = process.argv.slice(2);
if (command === 'worker') {
  // BullMQ reads one queue per Worker: a process serving several splits its concurrency between them by weight.
  // A limiter (max jobs per duration) is BullMQ's rate limit, held by every worker of the queue together.
  const [concurrency, spec = `${QUEUE}:1`, max, duration] = args;
  const queues = spec.split(',').map((q) => q.split(':')).map(([name, weight]) => ({ name, weight: Number(weight) }));
  const total = queues.reduce((sum, q) => sum + q.weight, 0);
  const limiter = max ? { limiter: { max: Number(max), duration: Number(duration) } } : {};
  const workers = queues.map((q) => new Worker(q.name, async (j) => ({ t: j.data.t, wait_us: Math.round(nowUs() - j.data.t) }),
    { connection: connection(), concurrency: Math.max(1, Math.round(Number(concurrency) * q.weight / total)), ...limiter }));
  process.on('SIGTERM', async () => { await Promise.all(workers.map((w) => w.close())); process.exit(0); });
} else {
  const queue = new Queue(command === 'fill' && args[1] ? args[1] : QUEUE, { connection: connection() });
  await queue.waitUntilReady();
  if (command === 'enqueue') {
    const [variant, jobs, window, batch] = [args[0], Number(args[1]), Number(args[2]), Number(args[3])];
    await enqueue(queue, variant, Math.ceil(jobs / 10), window, batch);
    const started = performance.now();
    await enqueue(queue, variant, jobs, window, batch);
    print({ elapsed_ms: performance.now() - started });
  } else if (command === 'fill') {
    await enqueue(queue, 'addBulk', Number(args[0]), 1000, 1000);
    print({ jobs: Number(args[0]) });
  } else if (command === 'produce') {
    // Open loop: every millisecond, submit the jobs that are due by now, without waiting for earlier ones.
    const [perSecond, seconds] = [Number(args[0]), Number(args[1])];
    const total = Math.round(perSecond * seconds);
    const started = performance.now();
    const pending = [];
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor((performance.now() - started) * perSecond / 1000) + 1);
      for (; sent < due; sent++) {
        const j = job();
        pending.push(queue.add(j.name, j.data, JOB_OPTIONS));
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(pending);
    print({ jobs: sent });
  } else if (command === 'flow') {
    // One FlowProducer.add of a parent and its children (one MULTI); done when the parent is (polled every 2 ms, as JobQueue's side).
    const producer = new FlowProducer({ connection: connection() });
    const child = () => ({ ...job(), queueName: QUEUE, opts: JOB_OPTIONS });
    const started = performance.now();
    const tree = await producer.add({ ...child(), children: Array.from({ length: Number(args[0]) }, child) });
    const submitted = performance.now() - started;
    while (!(await tree.job.isCompleted())) {
      await sleep(2);
    }
    print({ submitted_ms: submitted, completed_ms: performance.now() - started });
    await producer.close();
  } else if (command === 'schedule') {
    // A job scheduler firing every second. Each job's id is repeat:<scheduler>:<due ms> (its `delay` is reset once it
    // is promoted), its start processedOn.
    await queue.upsertJobScheduler('bench-every-second', { pattern: '* * * * * *' }, { ...job(), opts: JOB_OPTIONS });
    await sleep(Number(args[0]) * 1000);
    await queue.removeJobScheduler('bench-every-second');
    await sleep(1000);
    const jobs = await queue.getJobs(['completed'], 0, -1);
    print({ delays_ms: jobs.filter((j) => j.processedOn).map((j) => j.processedOn - Number(j.id.split(':').pop())) });
  } else {
    throw new Error(`unknown command '${command}'`);
  }
  await queue.close();
  process.exit(0); // the ioredis connection handed to the queue is not closed by queue.close()
}
