"""``intake worker``: an RQ worker that runs the background checks with the app's configuration."""

from __future__ import annotations

import importlib
import sys

import click


@click.command("worker")
@click.option("--burst", is_flag=True, help="队列为空时即退出（用于脚本）")
def worker_command(burst: bool) -> None:
    """运行后台检查进程：从 Redis 队列取出上传文件的检查逐一执行，启动时先接续中断的检查。

    使用与网页服务相同的配置（INTAKE_REDIS_URL、INTAKE_DATABASE_URL、INTAKE_INSTANCE_PATH）；
    可同时运行多个。
    """
    from intake import create_app
    from intake.web.database import settings
    from intake.web.jobs import RqRunner, runner, use_app_for_jobs
    from intake.web.resume import start_resuming, sweep_interval

    # The web app migrates the schema; several workers starting at once must not race on it.
    app = create_app({"MIGRATE_ON_START": False})
    config = settings(app)
    jobs = runner(app)
    if not isinstance(jobs, RqRunner):
        click.echo("错误：未设置 INTAKE_REDIS_URL：后台检查进程需要 Redis", err=True)
        sys.exit(2)
    use_app_for_jobs(app)
    sweeper = start_resuming(app, every=sweep_interval(app))
    rq = importlib.import_module("rq")
    # Jobs run in this process (no fork per job): the app and its connections are built once,
    # and each file is parsed in its own limited child process anyway (intake.sandbox).
    worker = rq.SimpleWorker([jobs.queue], connection=jobs.queue.connection)
    click.echo(f"intake worker 已启动：队列 {config.rq_queue}（按 Ctrl+C 停止）", err=True)
    try:
        worker.work(burst=burst, logging_level="WARNING")
    finally:
        sweeper.stop()
