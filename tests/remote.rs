//! Remote use (issue: a tool people can pick up): `ssh -t host bgmux
//! attach` works with OpenSSH as the only transport. The test starts a
//! private `sshd` on a loopback port with its own host key and an
//! authorized key of the test's own, and attaches through it.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::support::{wait_until, Bg, Outer, BIN, SECS10};

struct Sshd {
    child: Child,
    port: u16,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keygen(path: &Path) {
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Starts sshd on a free loopback port, or `None` where it is missing.
fn sshd(dir: &Path) -> Option<Sshd> {
    let bin = ["/usr/sbin/sshd", "/usr/bin/sshd"]
        .into_iter()
        .find(|p| Path::new(p).exists())?;
    // SAFETY: getuid has no preconditions; sshd needs root to switch users.
    if unsafe { libc::getuid() } != 0 {
        return None;
    }
    keygen(&dir.join("host"));
    keygen(&dir.join("user"));
    std::fs::copy(dir.join("user.pub"), dir.join("authorized_keys")).unwrap();
    let _ = std::fs::create_dir_all("/run/sshd");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // StrictModes off: the test's files live under /tmp, which sshd would
    // otherwise refuse as a parent of the authorized keys.
    let config = format!(
        "ListenAddress 127.0.0.1\nPort {port}\nHostKey {}\nAuthorizedKeysFile {}\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nPermitRootLogin prohibit-password\nPidFile none\nStrictModes no\n",
        dir.join("host").display(),
        dir.join("authorized_keys").display()
    );
    std::fs::write(dir.join("sshd_config"), config).unwrap();
    let child = Command::new(bin)
        .arg("-D")
        .arg("-e")
        .arg("-f")
        .arg(dir.join("sshd_config"))
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    wait_until("sshd listens", SECS10, || {
        std::net::TcpStream::connect(("127.0.0.1", port))
            .is_ok()
            .then_some(())
    });
    Some(Sshd { child, port })
}

#[test]
fn attach_over_ssh() {
    let bg = Bg::new();
    let Some(sshd) = sshd(&bg.dir) else {
        eprintln!("skipped: sshd is not installed (CI installs openssh-server)");
        return;
    };
    bg.ok(&[
        "run",
        "--name",
        "remote",
        "--",
        "/bin/sh",
        "-c",
        "echo REMOTE-SCREEN; read x",
    ]);
    let remote = format!(
        "BGMUX_STATE_DIR={} {BIN} -S {} -f /dev/null attach remote",
        bg.state.display(),
        bg.socket.display()
    );
    let mut ssh = Command::new("ssh");
    ssh.args(["-tt", "-p", &sshd.port.to_string(), "-i"])
        .arg(bg.dir.join("user"))
        .args([
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
        ])
        .args(["-o", "BatchMode=yes", "root@127.0.0.1", &remote]);
    let mut outer = Outer::spawn(ssh, 90, 25);
    outer.wait_for("REMOTE-SCREEN");
    outer.wait_for("[bgmux] 1:remote");
    wait_until("the remote client sized the task", SECS10, || {
        (bg.task(1)["size"]["cols"] == 90).then_some(())
    });
    outer.type_bytes(b"\x02d");
    outer.wait_for("[detached from bgmux]");
    assert!(outer.wait_exit().success());
    let status = bg.task(1)["status"].clone();
    assert!(
        status == "running" || status == "waiting",
        "the task runs on: {status}"
    );
}
