//! `bgmux bg [TEXT…]` (and `/bg`, prefix `b`): type TEXT and Enter into a
//! task — one last instruction — then send it to the background: every view
//! showing it gets a fresh `$SHELL` task in its place, so the terminal is
//! free at once. Typing and switching happen in one server step, so the
//! text can neither arrive after the switch nor be lost.

use std::process::ExitCode;

use anyhow::{bail, Result};

use crate::client::{expect_ok, Ctx};
use crate::protocol::{ClientMsg, ServerMsg};
use crate::server::{ConnId, Server};

/// Arguments of `bg`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example (in a shell inside a task):\n  bgmux bg make test      types `make test`, then frees your terminal"
)]
pub struct Args {
    /// Text to type, followed by Enter, before going to the background
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "TEXT"
    )]
    pub text: Vec<String>,
}

/// The client side: only meaningful inside a task.
pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let Some(id) = std::env::var("BGMUX_TASK_ID")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        bail!(
            "bg works inside a bgmux task (BGMUX_TASK_ID is not set): use `bgmux run` to start one in the background"
        );
    };
    let Ok(task) = id.parse::<u64>() else {
        bail!("BGMUX_TASK_ID={id} is not a task id")
    };
    let text = (!args.text.is_empty()).then(|| args.text.join(" "));
    match ctx.request(&ClientMsg::Background { task, text })? {
        Some(reply) => expect_ok(reply).map(|()| ExitCode::SUCCESS),
        None => bail!(
            "no server running on {} (BGMUX_SOCKET): is this task from another machine?",
            ctx.paths.socket.display()
        ),
    }
}

/// The server side.
pub fn handle(server: &mut Server, task: u64, text: Option<String>) -> ServerMsg {
    if !server.is_live(task) {
        return ServerMsg::Error(format!("task {task} is not running"));
    }
    server.background(task, text.as_deref());
    ServerMsg::Ok
}

impl Server {
    /// `/bg` or prefix `b` from client `conn`: backgrounds its focused task.
    pub fn background_focused(&mut self, conn: ConnId, text: Option<String>) {
        let Some(task) = self.clients.get(&conn).map(|c| c.focused_task()) else {
            return;
        };
        if !self.is_live(task) {
            return self.say(conn, "/bg: no running task in this pane".into());
        }
        self.background(task, text.as_deref());
    }

    /// Types `text` + Enter into `task`, then replaces it in every view by a
    /// fresh shell (started with that client's environment and directory).
    pub fn background(&mut self, task: u64, text: Option<&str>) {
        if let Some(text) = text {
            let ctl = self.senders.ctl.clone();
            if let Some(t) = self.tasks.get_mut(&task) {
                let mut bytes = text.as_bytes().to_vec();
                bytes.push(b'\r');
                t.write(&bytes, &ctl);
            }
        }
        let viewers: Vec<ConnId> = self
            .clients
            .iter()
            .filter(|(_, c)| c.shows(task))
            .map(|(conn, _)| *conn)
            .collect();
        for conn in viewers {
            let Some(client) = self.clients.get(&conn) else {
                continue;
            };
            let (env, cwd) = (client.env.clone(), client.cwd.clone());
            let panes: Vec<usize> = client
                .layout
                .tasks()
                .iter()
                .enumerate()
                .filter(|(_, t)| **t == task)
                .map(|(i, _)| i)
                .collect();
            for pane in panes {
                match self.start_shell(&env, &cwd, None) {
                    Ok(shell) => {
                        if let Some(client) = self.clients.get_mut(&conn) {
                            client.layout.set_task(pane, shell);
                        }
                    }
                    Err(e) => self.say(conn, e),
                }
            }
            self.view_changed(conn);
            self.say(conn, format!("[{task}] sent to the background"));
        }
    }
}
