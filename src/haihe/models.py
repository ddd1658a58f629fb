"""Wiring of every context's tables: metadata for Alembic and tests, and the audit list."""


def load_all() -> None:
    import haihe.registry.search_index  # noqa: F401  (its ORM event)
    from haihe.accounts.models import ApiToken, User
    from haihe.audit import models as _audit_models  # noqa: F401
    from haihe.audit.recorder import AUDITED
    from haihe.chains import members
    from haihe.chains.models import Chain, ChainListEntry, ChainVersion, Placement
    from haihe.core import partners
    from haihe.fairs.models import (
        Fair,
        FairMeeting,
        FairParticipant,
        FairSlot,
        FairSurvey,
        FairTable,
        MeetingRequest,
    )
    from haihe.leads.models import Lead, LeadAttachment, LeadStep
    from haihe.matching import index as matching_index
    from haihe.matching.models import Interest, Listing, ListingSegment, MatchFeedback
    from haihe.projects import queries as projects_queries
    from haihe.projects import service as projects_service
    from haihe.projects.models import (
        Project,
        ProjectAttachment,
        ProjectIncrement,
        ProjectMilestone,
        ProjectParty,
    )
    from haihe.registry import events as registry_events
    from haihe.registry.models import Organisation, OrganisationClaim, Park

    members.listen()
    registry_events.listen()
    projects_service.listen()
    partners.register(projects_queries.partner_pairs)
    matching_index.listen()
    AUDITED.update(
        {
            Organisation: "organisation",
            Chain: "chain",
            ChainVersion: "chain_version",
            Placement: "placement",
            ChainListEntry: "chain_list_entry",
            Park: "park",
            OrganisationClaim: "organisation_claim",
            Fair: "fair",
            FairSlot: "fair_slot",
            FairTable: "fair_table",
            FairParticipant: "fair_participant",
            MeetingRequest: "fair_meeting_request",
            FairMeeting: "fair_meeting",
            FairSurvey: "fair_survey",
            Project: "project",
            ProjectMilestone: "project_milestone",
            ProjectParty: "project_party",
            ProjectIncrement: "project_increment",
            ProjectAttachment: "project_attachment",
            Lead: "lead",
            LeadStep: "lead_step",
            LeadAttachment: "lead_attachment",
            Listing: "listing",
            ListingSegment: "listing_segment",
            MatchFeedback: "match_feedback",
            Interest: "match_interest",
            User: "user",
            ApiToken: "api_token",
        }
    )
