"""`dataprep plan`: a token budget for a model size, and the mixture it implies per source.

    dataprep plan --params 7B                                     # Chinchilla's and LLaMA-1's budgets
    dataprep plan --params 65B --llama1 --source-tokens web=850B,c4=198B,...
    dataprep plan --total-tokens 1.4T --weights web=0.8,c4=0.2 --corpus OUT   # sizes from OUT's token manifest
    dataprep plan ... --json

Operational: it prints what the mixture stage would do (target tokens and epochs per source),
refusing an infeasible plan with the numbers, and builds no pipeline.
"""

from __future__ import annotations

import json
import os

from dataprep.cli.errors import UsageError

_BUDGETS = ("llama1", "chinchilla")


def register(subparsers) -> None:
    """Add `plan` to the `dataprep` subcommands."""
    parser = subparsers.add_parser(
        "plan",
        help="Token budget for a model size, and per-source tokens and epochs of a mixture.",
        description="Print the training-token budget for a model size (Chinchilla's ~20 tokens per parameter and "
        "LLaMA-1's choice), and, given per-source weights or epochs and the sources' token counts, the tokens "
        "and epochs per source the mixture stage would take.",
    )
    parser.add_argument("--params", help="Model parameters, e.g. 7B, 6.7e9, 65B.")
    parser.add_argument("--budget", choices=_BUDGETS, default="llama1",
                        help="Which budget sets the mixture's total with --params (default: %(default)s).")
    parser.add_argument("--total-tokens", help="The mixture's total tokens (e.g. 1.4T), instead of a budget; "
                        "`plan` derives it from --epochs sources.")
    mix = parser.add_mutually_exclusive_group()
    mix.add_argument("--weights", help="Per-source shares of the total: web=0.67,c4=0.15,...")
    mix.add_argument("--llama1", action="store_true",
                     help="LLaMA-1's weights: web 0.67, c4 0.15, code/wikipedia/books 0.045, arxiv 0.025, "
                     "stackexchange 0.02.")
    parser.add_argument("--epochs", help="Per-source epochs, fixing those sources' tokens: wikipedia=2.45,...")
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--source-tokens", help="Tokens per cleaned source: web=850B,c4=198B,...")
    sizes.add_argument("--corpus", metavar="OUT",
                       help="A finished run's output folder: per-source tokens from OUT/tokens/manifest.json.")
    parser.add_argument("--max-epochs", type=float, default=None,
                        help="Refuse a plan repeating a source more often (default: the mixture's, 4).")
    parser.add_argument("--seed", type=int, default=0, help="The sample's seed (default: %(default)s).")
    parser.add_argument("--json", action="store_true", help="Print JSON instead of tables.")
    parser.set_defaults(handler=lambda args, extra: plan_command(args, extra))


def _pairs(text: str, flag: str) -> dict[str, str]:
    pairs = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise UsageError(f"{flag}: expected name=value[,name=value…], got {item!r}")
        if name.strip() in pairs:
            raise UsageError(f"{flag}: {name.strip()!r} given twice")
        pairs[name.strip()] = value.strip()
    if not pairs:
        raise UsageError(f"{flag}: expected name=value[,name=value…], got {text!r}")
    return pairs


def _number(value: str, flag: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise UsageError(f"{flag}: {value!r} is not a number") from None


def corpus_tokens(output: str) -> dict[str, int]:
    """Per-source token counts of a finished run: OUT/tokens/manifest.json's `tokens_per_source`."""
    from dataprep.cli.tokenize import TOKENS_DIR
    from tokenizer.shards import read_manifest

    return {str(name): int(count) for name, count in read_manifest(os.path.join(output, TOKENS_DIR))
            ["tokens_per_source"].items()}


def plan_command(args, extra: list[str]) -> int:
    from dataprep.mixture import LLAMA1_MIXTURE, MixtureConfig, SourceMix, parse_count, plan_mixture, token_budget

    if extra:
        raise UsageError(f"unknown arguments: {' '.join(extra)}")
    budget = token_budget(parse_count(args.params, "--params")) if args.params else None
    sources: dict[str, SourceMix] = {}
    if args.llama1:
        sources = {name: SourceMix(weight=share) for name, (share, _) in LLAMA1_MIXTURE.items()}
    elif args.weights:
        sources = {name: SourceMix(weight=_number(value, "--weights"))
                   for name, value in _pairs(args.weights, "--weights").items()}
    if args.epochs:
        for name, value in _pairs(args.epochs, "--epochs").items():
            if name in sources:
                raise UsageError(f"--epochs: {name!r} already has a weight; give a source a weight or epochs")
            sources[name] = SourceMix(epochs=_number(value, "--epochs"))
    if budget is None and not sources:
        raise UsageError("give --params (a token budget) and/or --weights/--llama1/--epochs with source sizes")
    result: dict = {}
    if budget is not None:
        result["budget"] = budget
    if sources:
        if args.source_tokens:
            tokens = {name: parse_count(value, f"--source-tokens {name}")
                      for name, value in _pairs(args.source_tokens, "--source-tokens").items()}
        elif args.corpus:
            tokens = corpus_tokens(args.corpus)
        else:
            raise UsageError("a mixture plan needs the sources' sizes: --source-tokens web=…,… or --corpus OUT")
        if args.total_tokens is not None:
            total = args.total_tokens
        elif budget is not None:
            total = budget[f"{args.budget}_tokens"]
        else:
            total = "plan"
        options = {} if args.max_epochs is None else {"max_epochs": args.max_epochs}
        plan = plan_mixture(MixtureConfig(total_tokens=total, sources=sources, seed=args.seed, **options), tokens)
        result["plan"] = plan.to_dict()
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
        return 0
    if budget is not None:
        print(f"model: {budget['params'] / 1e9:g}B parameters")
        print(f"  Chinchilla (~20 tokens/parameter): {budget['chinchilla_tokens']:,} tokens "
              f"({budget['chinchilla_tokens'] / 1e12:.2f}T)")
        print(f"  LLaMA-1 {budget['llama1_model']} ({budget['llama1_params'] / 1e9:g}B parameters): "
              f"{budget['llama1_tokens']:,} tokens ({budget['llama1_tokens'] / 1e12:.1f}T)")
    if sources:
        print(f"mixture: {plan.total_tokens:,} tokens, max_epochs {plan.max_epochs:g}, seed {plan.seed}")
        print(_plan_table(plan))
    return 0


def _plan_table(plan) -> str:
    from dataprep.mixture.report import text_table

    rows = [("source", "source tokens", "target tokens", "share %", "epochs", "given")]
    for name, source in plan.sources.items():
        share = 100 * source.target_tokens / plan.total_tokens if plan.total_tokens else 0.0
        given = f"weight {source.weight:g}" if source.weight is not None else "epochs"
        rows.append((name, f"{source.source_tokens:,}", f"{source.target_tokens:,}", f"{share:.2f}",
                     f"{source.epochs:.3f}", given))
    rows.append(("total", f"{sum(s.source_tokens for s in plan.sources.values()):,}", f"{plan.total_tokens:,}",
                 "100.00", "", ""))
    return text_table(rows, left=(0, 5))
