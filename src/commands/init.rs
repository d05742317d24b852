//! `bgmux init bash|zsh|fish`: shell integration. Evaluated in a shell's
//! startup file, it makes each prompt print the tasks that ended since that
//! shell last looked, the way job control prints `[1]+ Done`:
//! `[3] done  cargo test (4m12s)`, once per shell. The work is done by the
//! hidden `bgmux prompt-hook`, which never starts a server and prints
//! nothing when none runs.

use std::process::ExitCode;

use anyhow::Result;

use crate::client::Ctx;

/// Which shell.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Shell {
    /// GNU Bash (PROMPT_COMMAND).
    Bash,
    /// Zsh (a precmd hook).
    Zsh,
    /// fish (a fish_prompt event handler).
    Fish,
}

/// Arguments of `init`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example (in ~/.bashrc):\n  eval \"$(bgmux init bash)\"")]
pub struct Args {
    /// The shell to print the snippet for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Prints the snippet, with the socket flags `init` was given built in.
pub fn run(_ctx: &Ctx, args: Args, socket_flags: &str) -> Result<ExitCode> {
    let bin = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "bgmux".into());
    let hook = format!("'{}'{socket_flags} prompt-hook", bin.replace('\'', r"'\''"));
    let text = match args.shell {
        Shell::Bash => BASH.replace("HOOK", &hook),
        Shell::Zsh => ZSH.replace("HOOK", &hook),
        Shell::Fish => FISH.replace("HOOK", &hook),
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

const BASH: &str = r#"# bgmux shell integration: at each prompt, print the tasks that ended since.
__bgmux_seen=$(HOOK 2>/dev/null)
__bgmux_prompt() {
    local __bgmux_status=$? __bgmux_out
    if __bgmux_out=$(HOOK --since "${__bgmux_seen:-0}" 2>/dev/null) && [ -n "$__bgmux_out" ]; then
        __bgmux_seen=${__bgmux_out%%$'\n'*}
        case $__bgmux_out in *$'\n'*) printf '%s\n' "${__bgmux_out#*$'\n'}" ;; esac
    fi
    return $__bgmux_status
}
case ";${PROMPT_COMMAND:-};" in
    *";__bgmux_prompt;"*) ;;
    *) PROMPT_COMMAND="__bgmux_prompt${PROMPT_COMMAND:+;$PROMPT_COMMAND}" ;;
esac
"#;

const ZSH: &str = r#"# bgmux shell integration: at each prompt, print the tasks that ended since.
__bgmux_seen=$(HOOK 2>/dev/null)
__bgmux_prompt() {
    local __bgmux_out
    if __bgmux_out=$(HOOK --since "${__bgmux_seen:-0}" 2>/dev/null) && [[ -n $__bgmux_out ]]; then
        __bgmux_seen=${__bgmux_out%%$'\n'*}
        [[ $__bgmux_out == *$'\n'* ]] && print -r -- "${__bgmux_out#*$'\n'}"
    fi
}
autoload -Uz add-zsh-hook
add-zsh-hook precmd __bgmux_prompt
"#;

const FISH: &str = r#"# bgmux shell integration: at each prompt, print the tasks that ended since.
set -g __bgmux_seen (HOOK 2>/dev/null)
function __bgmux_prompt --on-event fish_prompt
    set -l out (HOOK --since "$__bgmux_seen" 2>/dev/null)
    or return
    if test (count $out) -gt 0
        set -g __bgmux_seen $out[1]
        for line in $out[2..-1]
            echo $line
        end
    end
end
"#;
