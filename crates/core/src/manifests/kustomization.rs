//! A CD path that holds a kustomization, rendered by the `kustomize` crate; `spec.source.kustomize`
//! becomes the edits made to the kustomization before the build.

use std::collections::{BTreeMap, BTreeSet};

use super::{flatten, refuse_duplicates_of, ManifestObject, RenderError, RenderLimits};
use crate::cd::{KustomizeImage, KustomizeOptions};

/// The objects of the kustomization in `dir`, and the directories its build read.
pub(super) fn render(
    files: &[(String, Vec<u8>)],
    tree: &kustomize::FileTree<'_>,
    dir: &str,
    options: Option<&KustomizeOptions>,
    remotes: &BTreeMap<String, String>,
    limits: &RenderLimits,
) -> Result<(Vec<ManifestObject>, BTreeSet<String>), RenderError> {
    let total: usize = files.iter().map(|(_, bytes)| bytes.len()).sum();
    if let Some((file, bytes)) = files.iter().find(|(_, bytes)| bytes.len() > limits.max_file_bytes) {
        return Err(RenderError::FileTooLarge {
            file: file.clone(),
            size: bytes.len(),
            cap: limits.max_file_bytes,
        });
    }
    if total > limits.max_total_bytes {
        return Err(RenderError::TotalTooLarge {
            file: dir.to_string(),
            cap: limits.max_total_bytes,
        });
    }
    let edits = match options {
        Some(options) => edits(options)?,
        None => kustomize::Edits::default(),
    };
    let built = kustomize::build(
        tree,
        dir,
        &kustomize::BuildOptions {
            edits,
            remotes: remotes.clone(),
        },
    )?;
    if built.objects.len() > limits.max_documents {
        return Err(RenderError::TooManyDocuments {
            file: kustomize::kustomization_file(tree, dir).unwrap_or_else(|| dir.to_string()),
            cap: limits.max_documents,
        });
    }
    let mut objects = Vec::with_capacity(built.objects.len());
    for (object, origin) in built.objects.into_iter().zip(built.origins) {
        flatten(&origin.file, origin.document, None, object, &mut objects)?;
    }
    refuse_duplicates_of(&objects)?;
    Ok((objects, built.dirs_read))
}

/// `spec.source.kustomize` as kustomize edits (validation has checked the values; a value it
/// would refuse is refused here too, naming the field).
pub fn edits(options: &KustomizeOptions) -> Result<kustomize::Edits, RenderError> {
    let bad = |field: String, message: String| RenderError::KustomizeOption { field, message };
    let images = options
        .images
        .iter()
        .enumerate()
        .map(|(i, image)| match image {
            KustomizeImage::Text(text) => {
                kustomize::Edits::parse_image(text).map_err(|m| bad(format!("images[{i}]"), m))
            }
            KustomizeImage::Fields(f) => Ok(kustomize::ImageEdit {
                name: f.name.clone(),
                new_name: f.new_name.clone().filter(|s| !s.is_empty()),
                new_tag: f.new_tag.clone().filter(|s| !s.is_empty()),
                digest: f.digest.clone().filter(|s| !s.is_empty()),
            }),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let replicas = options
        .replicas
        .iter()
        .enumerate()
        .map(|(i, r)| {
            r.count
                .value()
                .map(|count| (r.name.clone(), count))
                .map_err(|m| bad(format!("replicas[{i}].count"), m))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let patches = options
        .patches
        .iter()
        .map(|p| serde_json::to_value(p).expect("a patch serializes"))
        .collect();
    Ok(kustomize::Edits {
        name_prefix: options.name_prefix.clone(),
        name_suffix: options.name_suffix.clone(),
        namespace: options.namespace.clone(),
        images,
        common_labels: options.common_labels.clone(),
        common_annotations: options.common_annotations.clone(),
        replicas,
        patches,
        components: options.components.clone(),
    })
}
