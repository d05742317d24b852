//! Where things live: the socket path and the state directory (task records
//! and logs), resolved once from the global options and the environment, the
//! default config file's location, and the security check on the socket's
//! directory. Nothing else in bgmux reads `BGMUX_SOCKET`, `BGMUX_STATE_DIR`
//! or the XDG variables.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// The resolved locations of one bgmux instance.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The server's Unix socket.
    pub socket: PathBuf,
    /// Task records and logs.
    pub state_dir: PathBuf,
}

/// The current user's uid.
pub fn uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

/// The uid of the process at the other end of a connected Unix socket
/// (SO_PEERCRED: the kernel's word, not the peer's).
pub fn peer_uid(sock: &impl std::os::fd::AsRawFd) -> std::io::Result<u32> {
    // SAFETY: an all-zero ucred is valid; getsockopt writes at most `len` bytes into it.
    let mut cred: libc::ucred = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: SO_PEERCRED on a valid socket fd with a valid buffer and length.
    let ret = unsafe {
        libc::getsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if ret != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(cred.uid)
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The default socket directory: `$XDG_RUNTIME_DIR/bgmux`, else `/tmp/bgmux-UID`.
pub fn default_socket_dir() -> PathBuf {
    match env_path("XDG_RUNTIME_DIR") {
        Some(dir) => dir.join("bgmux"),
        None => PathBuf::from(format!("/tmp/bgmux-{}", uid())),
    }
}

/// The default config file: `$XDG_CONFIG_HOME/bgmux/config.toml`, else
/// `~/.config/bgmux/config.toml`; `None` when neither variable is set. (The
/// XDG base-directory spec says a relative `XDG_CONFIG_HOME` is ignored.)
pub fn default_config_file() -> Option<PathBuf> {
    let base = env_path("XDG_CONFIG_HOME")
        .filter(|p| p.is_absolute())
        .or_else(|| env_path("HOME").map(|home| home.join(".config")))?;
    Some(base.join("bgmux").join("config.toml"))
}

impl Paths {
    /// Resolves the socket from `-S`, `-L`, `BGMUX_SOCKET` (in that order) and
    /// the state dir from `BGMUX_STATE_DIR` or `$XDG_STATE_HOME/bgmux/<socket name>`.
    pub fn resolve(socket: Option<&Path>, name: Option<&str>) -> Result<Paths> {
        let socket = match (socket, name) {
            (Some(path), _) => path.to_path_buf(),
            (None, Some(name)) => {
                if name.is_empty() || name.contains('/') {
                    bail!("invalid socket name {name:?}: use a plain name, or -S for a path");
                }
                default_socket_dir().join(name)
            }
            (None, None) => {
                env_path("BGMUX_SOCKET").unwrap_or_else(|| default_socket_dir().join("default"))
            }
        };
        let socket = if socket.is_absolute() {
            socket
        } else {
            std::env::current_dir()
                .context("reading the current directory")?
                .join(socket)
        };
        let state_dir = match env_path("BGMUX_STATE_DIR") {
            Some(dir) => dir,
            None => {
                let base = env_path("XDG_STATE_HOME")
                    .or_else(|| env_path("HOME").map(|h| h.join(".local/state")))
                    .context("neither XDG_STATE_HOME nor HOME is set: set BGMUX_STATE_DIR")?;
                let name = socket.file_name().unwrap_or(OsStr::new("default"));
                base.join("bgmux").join(name)
            }
        };
        Ok(Paths { socket, state_dir })
    }

    /// The directory holding the socket.
    pub fn socket_dir(&self) -> &Path {
        self.socket.parent().unwrap_or(Path::new("/"))
    }

    /// Creates the socket directory 0700 if missing, and refuses one that is
    /// not owned by us or that others can write to (SPEC §12).
    pub fn ensure_socket_dir(&self) -> Result<()> {
        let dir = self.socket_dir();
        if !dir.exists() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .with_context(|| format!("creating socket directory {}", dir.display()))?;
        }
        check_private_dir(dir)
    }

    /// The start lock taken while a client starts the server.
    pub fn start_lock(&self) -> PathBuf {
        let mut name = self
            .socket
            .file_name()
            .unwrap_or(OsStr::new("default"))
            .to_os_string();
        name.push(".lock");
        self.socket_dir().join(name)
    }
}

/// Refuses a directory that is not ours or is group/world accessible.
pub fn check_private_dir(dir: &Path) -> Result<()> {
    let meta =
        fs::metadata(dir).with_context(|| format!("reading socket directory {}", dir.display()))?;
    if !meta.is_dir() {
        bail!("socket directory {} is not a directory", dir.display());
    }
    if meta.uid() != uid() {
        bail!(
            "socket directory {} is owned by uid {}, not you (uid {}): use -S with a path in a directory of your own",
            dir.display(),
            meta.uid(),
            uid()
        );
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        bail!(
            "socket directory {} has mode {:o}, others can reach it: run `chmod 700 {}`",
            dir.display(),
            mode,
            dir.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_socket_wins_and_names_the_state_dir() {
        let p = Paths::resolve(Some(Path::new("/tmp/x/sock")), Some("other")).unwrap();
        assert_eq!(p.socket, PathBuf::from("/tmp/x/sock"));
        assert_eq!(p.start_lock(), PathBuf::from("/tmp/x/sock.lock"));
    }

    #[test]
    fn bad_socket_names_are_refused() {
        assert!(Paths::resolve(None, Some("a/b")).is_err());
        assert!(Paths::resolve(None, Some("")).is_err());
    }

    #[test]
    fn open_directories_are_refused() {
        let dir = std::env::temp_dir().join(format!("bgmux-paths-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
        let err = check_private_dir(&dir).unwrap_err().to_string();
        assert!(err.contains("chmod 700"), "{err}");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        check_private_dir(&dir).unwrap();
        fs::remove_dir(&dir).unwrap();
    }
}
