//! Compiled components are cached as precompiled `.cwasm` files keyed by the
//! component's hash and the engine's compatibility hash, so a kernel restart
//! (or `tether plugins check` before it) does not compile again.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a valid component: {reason}", path.display())]
    Compile { path: PathBuf, reason: String },
}

/// Where precompiled components live, for one engine configuration.
pub struct ArtifactCache {
    dir: PathBuf,
    engine_key: String,
}

/// Whether a load compiled the component or found it in the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    Hit,
    Compiled,
}

impl ArtifactCache {
    pub fn new(engine: &Engine, dir: PathBuf) -> ArtifactCache {
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        ArtifactCache {
            dir,
            engine_key: format!("{:016x}", hasher.finish()),
        }
    }

    /// The cache file for a component with these bytes.
    pub fn path_for(&self, plugin_id: &str, wasm: &[u8]) -> PathBuf {
        let digest = Sha256::digest(wasm);
        let file_key = hex::encode(&digest[..16]);
        self.dir
            .join(format!("{plugin_id}-{file_key}-{}.cwasm", self.engine_key))
    }

    /// Loads the component at `wasm_path`, from the cache when it is fresh.
    pub fn load(
        &self,
        engine: &Engine,
        plugin_id: &str,
        wasm_path: &Path,
    ) -> Result<(Component, CacheOutcome), CacheError> {
        let wasm = std::fs::read(wasm_path).map_err(|source| CacheError::Read {
            path: wasm_path.to_owned(),
            source,
        })?;
        let cached = self.path_for(plugin_id, &wasm);
        // The entry is read into memory rather than mapped: a mapped file that
        // something else truncates would crash the kernel.
        if let Ok(bytes) = std::fs::read(&cached) {
            // SAFETY: the file was written by `precompile_component` of an
            // engine with the same compatibility hash, into the kernel's own
            // cache directory; wasmtime still checks its header and refuses
            // an incompatible or damaged file, which we then replace.
            match unsafe { Component::deserialize(engine, &bytes) } {
                Ok(component) => return Ok((component, CacheOutcome::Hit)),
                Err(error) => {
                    tracing::warn!(file = %cached.display(), %error, "stale plugin cache entry; compiling again")
                }
            }
        }
        let compile_error = |error: wasmtime::Error| CacheError::Compile {
            path: wasm_path.to_owned(),
            reason: format!("{error:#}"),
        };
        let precompiled = engine.precompile_component(&wasm).map_err(compile_error)?;
        self.store(plugin_id, &cached, &precompiled);
        // SAFETY: these bytes come from `precompile_component` just above.
        let component =
            unsafe { Component::deserialize(engine, &precompiled) }.map_err(compile_error)?;
        Ok((component, CacheOutcome::Compiled))
    }

    /// Writes a cache entry atomically and removes the plugin's older
    /// entries. A cache that cannot be written only costs compile time.
    fn store(&self, plugin_id: &str, path: &Path, bytes: &[u8]) {
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(&self.dir)?;
            let temporary = path.with_extension(format!("tmp{}", std::process::id()));
            std::fs::write(&temporary, bytes)?;
            std::fs::rename(&temporary, path)?;
            for entry in std::fs::read_dir(&self.dir)? {
                let entry_path = entry?.path();
                let name = entry_path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default();
                let same_plugin = name
                    .strip_prefix(plugin_id)
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|rest| rest.len() == 32 + 1 + 16 + ".cwasm".len());
                if same_plugin && entry_path != path {
                    std::fs::remove_file(&entry_path)?;
                }
            }
            Ok(())
        };
        if let Err(error) = write() {
            tracing::warn!(dir = %self.dir.display(), %error, "cannot write the plugin cache");
        }
    }
}
