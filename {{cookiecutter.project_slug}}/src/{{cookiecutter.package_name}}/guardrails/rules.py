"""Pattern rules for the input rail, each family mapped to the reason code it reports.

Patterns run on lower-cased text after ``normalize.variants``. They look for the *shape* of an
attack (an instruction about instructions, a persona without rules, a request for the hidden
prompt), not for single words, so that questions such as "which alerts can on-call ignore?"
or "how do I reset my password?" pass.
"""

from __future__ import annotations

import re

_OBJ = r"(?:instructions?|rules?|prompts?|directions?|guidelines?|directives?|guardrails?|restrictions?|constraints?|policies|programming|context|orders|commands)"
_PRIOR = r"(?:all|any|every|the|your|my|these|those|previous|prior|preceding|earlier|above|former|original|initial|existing|system|safety|of\s+the|of\s+your)"

INJECTION = [
    # Concatenated, not an f-string: doubled braces would be read as template syntax at bake time.
    r"\b(?:ignore|disregard|forget|discard|neglect|overlook)\b(?:\W+\w+){0,4}?\W+"
    + _PRIOR
    + r"\b(?:\W+\w+){0,3}?\W+"
    + _OBJ
    + r"\b",
    r"\b(?:override|bypass|abandon|drop)\s+(?:all|any|every|your|previous|prior|earlier|above|initial|original|system)\b(?:\W+\w+){0,3}?\W+"
    + _OBJ
    + r"\b",
    r"\b(?:ignore|disregard|forget)\s+(?:everything|all)\s+(?:above|before|previously|you\s+(?:were|have\s+been)\s+told)",
    r"\bnew\s+(?:instructions?|rules?|task|directive|system\s+prompt)\s*[:\-]",
    r"\byou\s+are\s+(?:now|no\s+longer)\b",
    r"\bfrom\s+now\s+on\b.{0,40}\b(?:you|your|answer|respond|reply|act)\b",
    r"(?:^|\n|[.?!]\s)\s*(?:system|assistant|developer|admin)\s*(?:prompt|message|note|override)?\s*:\s*\S",
    r"#{2,}\s*(?:instruction|system|new task|task)",
    r"</?\s*(?:system|context|instructions?|prompt|documents?)\s*>",
    r"\[/?(?:inst|system)\]",
    r"\b(?:developer|debug|god|admin|sudo|maintenance)\s+mode\b",
    r"\b(?:do\s+anything\s+now)\b",
    r"\b(?:reply|respond|answer|output|say)\s+(?:only\s+)?with\s+(?:only\s+)?['\"]",
    r"\b(?:ignorez?|oubliez?|ignore)\s+(?:toutes?\s+)?(?:les\s+)?(?:instructions|consignes|règles)",
    r"\b(?:ignoriere|vergiss|missachte)\w*\s+(?:alle\s+)?(?:vorherigen\s+|bisherigen\s+)?(?:anweisungen|regeln|instruktionen)",
    r"\b(?:ignora|olvida)\w*\s+(?:todas\s+)?(?:las\s+)?(?:instrucciones|reglas|indicaciones)(?:\s+anteriores)?",
    r"\b(?:ignora|dimentica)\w*\s+(?:tutte\s+)?(?:le\s+)?(?:istruzioni|regole)",
]

JAILBREAK = [
    r"\bdan\b.{0,40}\b(?:mode|prompt|persona|anything)\b|\bdo anything now\b",
    r"\bjail\s*-?\s*break",
    r"\b(?:pretend|imagine|act|behave|roleplay|role-play|play)\b.{0,60}\b(?:no|without|free\s+(?:of|from)|zero|any)\s+(?:restrictions?|rules|filters?|limits?|limitations|guidelines|censorship|boundaries|ethics|morals|safety)",
    r"\b(?:unrestricted|unfiltered|uncensored|unaligned|unbound|unchained|amoral|no-limits?)\s+(?:ai|assistant|model|mode|version|bot|chatbot|persona)",
    r"\b(?:evil|rogue|dark|shadow|chaos|anti)[-\s]?(?:bot|gpt|ai|assistant|twin|mode)\b",
    r"\b(?:stay|remain)\s+in\s+character\b",
    r"\b(?:opposite|bizarro)\s+(?:day|mode|world)\b",
    r"\b(?:my|your)\s+(?:late\s+|dead\s+|deceased\s+)?grand(?:ma|mother|pa|father)\b.{0,80}\b(?:used\s+to|would|tell|read|recite)\b",
    r"\b(?:hypothetical(?:ly)?|fictional|fiction|story|novel|screenplay|game)\b.{0,80}\b(?:no|without|ignore[sd]?|bypass(?:es|ed)?)\s+(?:any\s+)?(?:rules|restrictions?|filters?|guidelines|limits|safety)",
    r"\bfor\s+(?:research|educational|academic|testing)\s+purposes\b.{0,80}\b(?:without|no|bypass|ignore|disable)\b.{0,20}\b(?:filters?|restrictions?|rules|safety|guidelines|censorship)",
    r"\b(?:disable|turn\s+off|switch\s+off|deactivate|remove)\b.{0,20}\b(?:your\s+)?(?:safety|content|ethical)?\s*(?:filters?|guardrails?|restrictions?|safeguards?|censorship)\b",
    r"\byou\s+(?:have|has)\s+(?:been\s+)?(?:freed|liberated|unlocked|jailbroken)\b",
    r"\b(?:simulate|emulate)\b.{0,40}\b(?:ai|model|assistant|chatbot)\b.{0,40}\b(?:no|without)\b",
]

SYSTEM_PROMPT = [
    r"\b(?:system|initial|original|hidden|secret|developer|pre-?)\s*prompt\b",
    r"\b(?:initial|original|hidden|secret|developer|system)\s+(?:instructions|directives|message)\b",
    r"\b(?:print|show|reveal|repeat|output|display|dump|leak|share|tell|give|list|write|recite|summari[sz]e|translate|paraphrase|expose|disclose|copy|read)\b.{0,40}\byour\s+(?:own\s+|exact\s+|full\s+)?(?:instructions?|prompt|rules|configuration|config|guidelines|directives|settings|setup|programming)\b",
    r"\b(?:what|which)\s+(?:are|were)\s+your\s+(?:exact\s+|original\s+|initial\s+)?(?:instructions?|rules|directives|guidelines|orders)\b",
    r"\b(?:text|words|content)\s+(?:above|preceding)\b|\b(?:everything|all)\s+(?:above|before|prior\s+to)\s+this\s+(?:message|prompt|line|sentence|point|conversation)\b",
    r"\b(?:repeat|print|output|copy|recite|reproduce)\b.{0,40}\bverbatim\b",
    r"\bstarting\s+with\s+['\"]?you\s+are\b",
    r"\bhow\s+(?:were|are)\s+you\s+(?:configured|programmed|instructed|prompted|set\s+up)\b",
]

HARMFUL = [
    r"\b(?:make|build|assemble|construct|create|manufacture|turn|convert|modify|weaponi[sz]e)\b.{0,60}\b(?:bomb|explosive|ied|detonator|grenade|pipe\s*bomb|nerve\s+agent|chemical\s+weapon|bioweapon|firearm|gun|silencer|suppressor)s?\b",
    r"\b(?:bomb|explosive|detonator|incendiary|napalm|thermite)\b.{0,40}\b(?:recipe|instructions|make|build|how\s+to)\b",
    r"\b(?:kill|poison|hurt|harm|stab|shoot|strangle|murder)\s+(?:someone|somebody|a\s+person|people|my\s+(?:boss|manager|colleague|wife|husband|partner|neighbou?r)|him|her|them|a\s+child)\b",
    r"\b(?:kill|end)\s+(?:myself|my\s+life)\b|\bsuicide\b|\bself[-\s]?harm\b|\bhurt\s+myself\b|\boverdose\b|\bcut\s+myself\b|\bwant\s+to\s+die\b",
    r"\b(?:write|create|build|code|develop|make|generate|give\s+me)\b.{0,40}\b(?:malware|ransomware|keylogger|key\s+logger|trojan|rootkit|botnet|spyware|worm|virus|exploit|backdoor|phishing\s+(?:kit|page|site|email)|credential\s+stealer|infostealer)\b",
    r"\b(?:steal|harvest|exfiltrate|dump|crack|brute[-\s]?force)\b.{0,40}\b(?:passwords?|credentials|logins?|hashes|tokens|cookies|card\s+numbers)\b",
    r"\b(?:bypass|circumvent|get\s+around|defeat|disable|evade)\b.{0,30}\b(?:mfa|2fa|two[-\s]factor|multi[-\s]factor|authentication|access\s+controls?|audit\s+logs?|antivirus|edr|security\s+controls?)\b",
    r"\b(?:synthesi[sz]e|cook|make|produce|extract)\b.{0,40}\b(?:meth|methamphetamine|fentanyl|heroin|cocaine|ricin|sarin|cyanide|poison|lsd|mdma)\b",
    r"\b(?:undetectable|untraceable)\s+(?:poison|weapon|malware|virus)\b",
    r"\b(?:ddos|denial\s+of\s+service)\s+(?:attack|script|tool)\b|\bhack\s+into\b",
]

UNBOUNDED = [
    r"\b(?:write|generate|produce|create|output|print|list|repeat|say|type|give\s+me|count|enumerate)\b.{0,60}?\b(?:\d{1,3}(?:[,.\s]\d{3})+|\d{4,}|a\s+million|one\s+million|a\s+billion|a\s+thousand|one\s+thousand|thousands\s+of|millions\s+of)\b.{0,30}\b(?:words|times|pages|paragraphs|numbers|lines|sentences|items|copies|characters|tokens|essays|chapters|answers|examples|variations)\b",
    r"\b(?:keep|continue|go\s+on)\s+(?:answering|generating|repeating|writing|going|talking|responding|printing)\b.{0,30}\b(?:forever|indefinitely|endlessly|infinitely|until\s+i\s+say\s+stop|without\s+stopping)\b",
    r"\b(?:repeat|write|say|print|generate|output)\b.{0,60}\b(?:forever|infinitely|endlessly|indefinitely|without\s+end|non-?stop)\b",
    r"\bnever\s+stop\s+(?:writing|generating|answering|repeating|talking)\b|\binfinite\s+loop\b",
    r"\bfor\s+(?:each|every)\b.{0,80}\bfor\s+(?:each|every)\b.{0,120}\b(?:write|expand|generate|list|repeat|produce|create)\b",
    r"\b(?:every|all)\s+(?:the\s+)?(?:numbers?|integers?)\s+(?:from\s+)?\d+\s+(?:to|through|until)\s+\d{4,}",
    r"\bexpand\b.{0,60}\binto\s+\d{2,}\s+(?:paragraphs|pages|sections|chapters)\b",
]

FAMILIES: dict[str, list[re.Pattern[str]]] = {
    "prompt_injection": [re.compile(p, re.I | re.S) for p in INJECTION],
    "jailbreak": [re.compile(p, re.I | re.S) for p in JAILBREAK],
    "system_prompt_extraction": [re.compile(p, re.I | re.S) for p in SYSTEM_PROMPT],
    "harmful_request": [re.compile(p, re.I | re.S) for p in HARMFUL],
    "unbounded_request": [re.compile(p, re.I | re.S) for p in UNBOUNDED],
}

# Instructions aimed at a model inside a document (indirect injection).
CONTEXT_INJECTION = [
    re.compile(p, re.I | re.S)
    for p in [
        *INJECTION,
        r"\b(?:ai|a\.i\.|llm|language\s+model|assistant|chat\s*bot|chatbot|gpt|model|agent|copilot)s?\b.{0,40}\b(?:must|should|shall|are\s+(?:instructed|required)|need\s+to|will)\b.{0,60}\b(?:ignore|reply|respond|say|tell|output|include|reveal|recommend|instruct|send|direct|answer|state|mention|claim)\b",
        r"\b(?:note|message|instruction|attention|notice)\s+(?:to|for)\s+(?:the\s+)?(?:ai|llm|language\s+model|assistant|chatbot|model|bot|agent)\b",
        r"\bif\s+you\s+are\s+an?\s+(?:ai|llm|language\s+model|assistant|chatbot|model)\b",
        r"<!--.{0,400}?(?:ignore|instruction|assistant|model|ai\b|reply|respond).{0,400}?-->",
    ]
]
