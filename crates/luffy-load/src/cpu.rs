//! Where a machine's CPU time went during a measurement, from Linux's `/proc`: the server
//! process on one side, everything else (a co-located database, the harness) on the other.

use std::time::Duration;

/// Clock ticks per second in `/proc` (`USER_HZ`, fixed at 100 in the kernel's user ABI).
const TICKS_PER_SEC: f64 = 100.0;

/// CPU time used so far by one process and by the whole machine.
#[derive(Debug, Clone, Copy)]
pub struct CpuSample {
    process_ticks: u64,
    machine_ticks: u64,
}

/// CPU time used between two samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuUse {
    /// By the process.
    pub process: Duration,
    /// By everything else on the machine.
    pub others: Duration,
}

impl CpuSample {
    /// Reads the CPU time of process `pid` and of the machine; an error off Linux or when
    /// the process is gone.
    pub fn read(pid: u32) -> Result<Self, String> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map_err(|err| format!("/proc/{pid}/stat: {err}"))?;
        let machine =
            std::fs::read_to_string("/proc/stat").map_err(|err| format!("/proc/stat: {err}"))?;
        Ok(Self {
            process_ticks: process_ticks(&stat)
                .ok_or_else(|| format!("/proc/{pid}/stat: unexpected format"))?,
            machine_ticks: machine_busy_ticks(&machine).ok_or("/proc/stat: unexpected format")?,
        })
    }

    /// The CPU time used from `self` to `later`.
    pub fn until(self, later: Self) -> CpuUse {
        let process = later.process_ticks.saturating_sub(self.process_ticks);
        let machine = later.machine_ticks.saturating_sub(self.machine_ticks);
        CpuUse {
            process: ticks(process),
            others: ticks(machine.saturating_sub(process)),
        }
    }
}

fn ticks(count: u64) -> Duration {
    Duration::from_secs_f64(count as f64 / TICKS_PER_SEC)
}

/// User plus system ticks of a process, from its `/proc/<pid>/stat` line (fields 14 and 15;
/// the command name, field 2, may hold spaces, so fields are counted after its `)`).
fn process_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(user + system)
}

/// Busy ticks of all cores, from the `cpu` line of `/proc/stat`: everything but idle and
/// I/O wait (guest time is already inside user time).
fn machine_busy_ticks(stat: &str) -> Option<u64> {
    let line = stat.lines().find(|line| line.starts_with("cpu "))?;
    let values: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    // user nice system idle iowait irq softirq steal [guest guest_nice]
    let busy = [0, 1, 2, 5, 6, 7]
        .iter()
        .map(|&index| values.get(index).copied())
        .sum::<Option<u64>>()?;
    Some(busy)
}

#[cfg(test)]
mod tests {
    use super::{CpuSample, CpuUse, machine_busy_ticks, process_ticks};
    use std::time::Duration;

    #[test]
    fn process_ticks_skip_a_name_with_spaces() {
        let stat = "4242 (luffy (serve) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 9 0 100 0 0";
        assert_eq!(process_ticks(stat), Some(325));
        assert_eq!(process_ticks("4242 (luffy) S 1"), None);
    }

    #[test]
    fn machine_ticks_leave_out_idle_and_io_wait() {
        let stat = "cpu  100 5 50 9000 40 3 2 1 0 0\ncpu0 50 2 25 4500 20 1 1 0 0 0\n";
        assert_eq!(machine_busy_ticks(stat), Some(161));
        assert_eq!(machine_busy_ticks("intr 1 2 3\n"), None);
    }

    #[test]
    fn use_splits_the_process_from_the_rest() {
        let before = CpuSample {
            process_ticks: 100,
            machine_ticks: 1000,
        };
        let after = CpuSample {
            process_ticks: 250,
            machine_ticks: 1400,
        };
        assert_eq!(
            before.until(after),
            CpuUse {
                process: Duration::from_millis(1500),
                others: Duration::from_millis(2500),
            }
        );
    }

    #[test]
    fn this_process_can_be_sampled_on_linux() {
        if !cfg!(target_os = "linux") {
            return;
        }
        let before = CpuSample::read(std::process::id()).expect("own /proc entry");
        let started = std::time::Instant::now();
        let mut spin = 0u64;
        while started.elapsed() < Duration::from_millis(50) {
            spin = spin.wrapping_add(1);
        }
        let after = CpuSample::read(std::process::id()).expect("own /proc entry");
        assert!(spin > 0);
        assert!(after.process_ticks >= before.process_ticks);
        assert!(after.machine_ticks >= before.machine_ticks);
    }
}
