#!/usr/bin/env bash
# Cross-checks fcngc against torchvision itself: for fcn_resnet50 and fcn_resnet101 (and, with
# --models mmseg_fcn_r50_d8, mmseg's fcn_r50-d8 re-written in plain torch), at each
# size, builds the torchvision model with random non-trivial weights (Scripts/torchvision-
# reference.py), saves its state_dict with safetensors' save_file, runs fcngc on the shipped
# spec with that file unchanged, and compares both outputs (`out`, `aux`) with torchvision's.
# Prints max |diff| against the largest |score| per comparison; exits 1 if any relative error
# exceeds the tolerance (1e-4). Not part of `swift test` (it needs torch, and takes minutes).
#
#   bash Scripts/setup-torch.sh            # once: .venv-torch
#   bash Scripts/check-torchvision.sh [--sizes "97x131 520x520"] [--models "fcn_resnet50 fcn_resnet101"]
#                                     [--seed N] [--image] [--flat] [--keep DIR]
#
# --image   the input is a random PNG run through the spec's `input:` normalisation (fcngc run
#           --image) instead of an already normalised tensor (--tensor)
# --flat    run a flat spec written by Scripts/flat-fcn-resnet-spec.py (every layer spelled out,
#           no blocks or backbone file) instead of Models/<model>.yaml
# FCNGC=path uses that binary instead of building the release one.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes="97x131 520x520"
models="fcn_resnet50 fcn_resnet101"
seed=1
image=0
flat=0
keep=""
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) sizes="$2"; shift 2 ;;
        --models) models="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        --image) image=1; shift ;;
        --flat) flat=1; shift ;;
        --keep) keep="$2"; shift 2 ;;
        *) echo "check-torchvision: unknown argument '$1'" >&2; exit 2 ;;
    esac
done

py=.venv-torch/bin/python
if [ ! -x "$py" ]; then
    echo "check-torchvision: no .venv-torch: run 'bash Scripts/setup-torch.sh' first" >&2
    exit 2
fi
if [ -z "${FCNGC:-}" ]; then
    swift build -c release --product fcngc >&2
    FCNGC="$(swift build -c release --show-bin-path)/fcngc"
fi

work="${keep:-$(mktemp -d)}"
mkdir -p "$work"
[ -z "$keep" ] && trap 'rm -rf "$work"' EXIT

failed=0
total=0
for model in $models; do
    spec="Models/$model.yaml"
    [ "$model" = mmseg_fcn_r50_d8 ] && spec=Models/fcn_r50-d8.yaml
    if [ "$flat" = 1 ]; then
        if [ "$model" = mmseg_fcn_r50_d8 ]; then echo "check-torchvision: --flat has no $model" >&2; exit 2; fi
        spec="$work/flat-$model.yaml"
        python3 Scripts/flat-fcn-resnet-spec.py "${model#fcn_resnet}" > "$spec"
    fi
    for size in $sizes; do
        dir="$work/$model-$size"
        image_flag=()
        [ "$image" = 1 ] && image_flag=(--image)
        PYTHONPATH=Scripts "$py" Scripts/torchvision-reference.py --model "$model" --size "$size" \
            --seed "$seed" --out "$dir" "${image_flag[@]}"
        input=(--tensor "$dir/x.npy")
        [ "$image" = 1 ] && input=(--image "$dir/image.png")
        for output in out aux; do
            "$FCNGC" run "$spec" --weights "$dir/state.safetensors" "${input[@]}" \
                --output "$output" --scores "$dir/fcngc-$output.npy" --quiet
            total=$((total + 1))
            if ! "$py" Scripts/compare-npy.py "$dir/$output.npy" "$dir/fcngc-$output.npy" \
                    --label "$model $size $output"; then
                failed=$((failed + 1))
            fi
        done
    done
done
echo "check-torchvision: $((total - failed)) of $total outputs within 1e-4 of the largest score (spec: $([ "$flat" = 1 ] && echo flat || echo Models/))"
[ "$failed" = 0 ]
