"""The dispatch knobs a use case needs, taken from Settings once, so services never import Settings."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.settings import Settings
from domain.incidents import IncidentType, ladder_for
from domain.matching.ladder import Wave


@dataclass(frozen=True)
class DispatchConfig:
    radius_km: float = 20.0
    first_wave: int = 5
    wave_timeout_s: float = 40.0
    arrival_reminder_s: float = 900.0
    arrival_reminders: int = 2
    on_scene_reminder_s: float = 3600.0
    on_scene_reminders: int = 2
    help_check_wait_s: float = 600.0
    max_requests_per_hour: int = 5
    retention_days: float = 30.0
    auto_confirm_s: float = 6 * 3600.0
    approach_update_s: float = 10.0
    position_max_age_s: float = 2 * 3600.0
    max_credit_minutes: int = 480
    auto_verify: bool = False
    ops_chat_id: int | None = None
    ops_language: str = "ar"
    operator_ids: frozenset[int] = frozenset()
    # A rejected volunteer may apply again this long after the rejection.
    reapply_cooldown_s: float = 30 * 86400.0
    # Linked reports and major-incident mode (bot/services/links.py, major.py)
    link_radius_m: float = 300.0
    link_window_s: float = 600.0
    major_wave_factor: float = 3.0
    major_city_radius_km: float = 30.0
    major_summary_s: float = 60.0
    paid_broadcast: bool = False
    # Under load (the sender's backlog at or past surge_backlog) the first wave is this small.
    surge_backlog: int = 60
    surge_first_wave: int = 2

    @classmethod
    def from_settings(cls, s: Settings) -> DispatchConfig:
        return cls(
            radius_km=s.dispatch_radius_km,
            first_wave=s.volunteers_per_alert,
            wave_timeout_s=s.wave_timeout_s,
            arrival_reminder_s=s.arrival_reminder_s,
            arrival_reminders=s.arrival_reminders,
            on_scene_reminder_s=s.on_scene_reminder_s,
            on_scene_reminders=s.on_scene_reminders,
            help_check_wait_s=s.help_check_wait_s,
            max_requests_per_hour=s.max_requests_per_hour,
            retention_days=s.retention_days,
            auto_confirm_s=s.auto_confirm_s,
            approach_update_s=s.approach_update_s,
            position_max_age_s=s.position_max_age_s,
            max_credit_minutes=s.max_credit_minutes,
            auto_verify=s.auto_verify_volunteers,
            ops_chat_id=s.ops_chat_id,
            ops_language=s.ops_language,
            operator_ids=s.operator_ids,
            reapply_cooldown_s=s.reapply_cooldown_s,
            link_radius_m=s.link_radius_m,
            link_window_s=s.link_window_min * 60.0,
            major_wave_factor=s.major_wave_factor,
            major_city_radius_km=s.major_city_radius_km,
            major_summary_s=s.major_summary_s,
            paid_broadcast=s.paid_broadcast,
            surge_backlog=s.surge_backlog,
            surge_first_wave=s.surge_first_wave,
        )

    def ladder(self, incident: IncidentType | str, *, backlog: int = 0) -> tuple[Wave, ...]:
        """The incident's waves; under load (``backlog`` at or past ``surge_backlog``) the
        first alerts at most ``surge_first_wave`` volunteers, nearest first as always, so that
        every request gets its first alerts quickly instead of a few getting all of theirs."""
        waves = ladder_for(
            incident,
            radius_km=self.radius_km,
            first_wave=self.first_wave,
            timeout_s=self.wave_timeout_s,
        )
        if backlog < self.surge_backlog or not waves:
            return waves
        first = replace(waves[0], count=min(waves[0].count, self.surge_first_wave))
        return (first, *waves[1:])
