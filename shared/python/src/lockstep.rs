//! Keeping the checks of one scan together as they move through the files: the files are cut
//! into stretches of source small enough for the parse cache, and no check starts a stretch
//! before every check has finished the one before. Each file is then parsed once and freed
//! soon after, whatever the speed of each check (left to itself, the fastest check runs ahead,
//! the cache fills, and the slowest parses every file again).

use std::collections::HashMap;
use std::sync::{Condvar, Mutex};

use validator_archive::{Entry, PluginArchive};

/// Which stretch each file of the archive is in: consecutive files in archive order, cut when
/// the stretch's Python source would pass `max_bytes` (a larger file is a stretch of its own).
/// Files that are not Python go with the Python files around them.
#[derive(Debug)]
pub struct Stretches {
    of_file: HashMap<String, usize>,
    count: usize,
}

impl Stretches {
    pub fn plan(archive: &PluginArchive, max_bytes: u64) -> Self {
        let mut of_file = HashMap::new();
        // `None` until the stretch has a Python file.
        let (mut current, mut bytes) = (0usize, None::<u64>);
        for entry in archive.files() {
            if crate::is_python_path(&entry.name) {
                if bytes.is_some_and(|held| held.saturating_add(entry.size) > max_bytes) {
                    current += 1;
                    bytes = None;
                }
                bytes = Some(bytes.unwrap_or(0).saturating_add(entry.size));
            }
            of_file.insert(entry.name.clone(), current);
        }
        Self {
            of_file,
            count: current + 1,
        }
    }

    pub fn count(&self) -> usize {
        self.count
    }

    /// The stretch of a file (the last one for a name the archive does not have).
    pub fn of(&self, entry: &Entry) -> usize {
        self.of_file
            .get(&entry.name)
            .copied()
            .unwrap_or(self.count - 1)
    }
}

/// A barrier whose parties can leave: stretch `k` is over when every party still in has
/// arrived at it.
#[derive(Debug)]
pub struct Lockstep {
    state: Mutex<Phase>,
    turned: Condvar,
}

#[derive(Debug)]
struct Phase {
    /// The stretch being read: every stretch before it is over.
    current: usize,
    arrived: usize,
    parties: usize,
}

impl Lockstep {
    pub fn new(parties: usize) -> Self {
        Self {
            state: Mutex::new(Phase {
                current: 0,
                arrived: 0,
                parties,
            }),
            turned: Condvar::new(),
        }
    }

    /// The caller is done with `stretch`: returns once every party is (at once when the
    /// stretch is already over, e.g. for a check that reads the files a second time).
    pub fn arrive_and_wait(&self, stretch: usize) {
        let mut phase = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if phase.current > stretch {
            return;
        }
        phase.arrived += 1;
        if phase.arrived >= phase.parties {
            self.turn(&mut phase);
            return;
        }
        while phase.current <= stretch {
            phase = self.turned.wait(phase).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// A party that will not arrive any more (its check ended, however it ended).
    pub fn leave(&self) {
        let mut phase = self.state.lock().unwrap_or_else(|e| e.into_inner());
        phase.parties = phase.parties.saturating_sub(1);
        if phase.arrived > 0 && phase.arrived >= phase.parties {
            self.turn(&mut phase);
        }
    }

    fn turn(&self, phase: &mut Phase) {
        phase.current += 1;
        phase.arrived = 0;
        self.turned.notify_all();
    }
}
