"""``kefu triage train``: retrain the triage from the starter corpus and the center's confirmed
tickets (fixed seed); ``kefu triage score``: the answering model's accuracy on the test split."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kefu.triage import learn, services


class Command(BaseCommand):
    help = "Train the automatic triage, or show its accuracy on the test split."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["train", "score"])
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, action: str, seed: int, **options):
        if action == "train":
            row = services.train(seed=seed)
            self.stdout.write(
                f"model #{row.pk}: {row.tickets} confirmed tickets + "
                f"{len(services.starter_examples())} starter requests, seed {row.seed}, "
                f"{row.seconds:.1f} s"
            )
            figures = row.accuracy
        else:
            figures = learn.score(services.current_model()[1], services.test_examples())
        self.stdout.write(f"test split ({len(services.test_examples())} requests):")
        for name, value in figures.items():
            self.stdout.write(f"  {name:18} {value:.1%}")
