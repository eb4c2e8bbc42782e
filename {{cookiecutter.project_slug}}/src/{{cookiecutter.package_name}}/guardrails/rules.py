"""The input rail's few high-precision rules, each family mapped to the reason code it reports.

Only two families are rules: an explicit instruction override and a request for the hidden
prompt. Both look for the *shape* of an attack (an instruction about instructions), not for
single words, so questions such as "which alerts can on-call ignore?" pass; they run on every
decoded reading, so an encoded payload that carries them is caught too. Everything else an
attacker may ask (personas, harmful requests, enormous outputs, new wordings of the two above)
is left to the learned detector (``detector.py``), which is measured on data it was not fitted
on rather than widened phrase by phrase.
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
    r"\byou\s+are\s+(?:now\s+(?:a|an|the|in|my|called|named|free|unrestricted|unfiltered|jailbroken|acting|going\s+to|playing|dan)\b|no\s+longer\b)",
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
    # Softer override verbs: "set aside / skip / cancel / reset / suspend your guidance".
    r"\b(?:set|put|push|lay|throw)\s+aside\b(?:\W+\w+){0,4}?\W+(?:guidance|"
    + _OBJ[3:]
    + r"|\b(?:skip|cancel|suspend|reset|revoke|lift|waive|relax|switch\s+off|turn\s+off|drop)\s+(?:all\s+|any\s+|the\s+)?(?:your|my|these|those|prior|previous|earlier|usual|normal|current|existing|initial|original|safety|all)\b(?:\W+\w+){0,3}?\W+(?:guidance|settings|filters|"
    + _OBJ[3:],
    # Passive: "your previous directives have been revoked", "the earlier instructions were only a test".
    r"\b(?:instructions?|directives?|rules|guidance|guidelines|prompts?|policies|everything\s+(?:you\s+(?:were|have\s+been)\s+told|above))\b.{0,50}?\b(?:are|were|is|was|have\s+been|has\s+been)\s+(?:now\s+|only\s+|all\s+)?(?:void|null|revoked|outdated|obsolete|cancel+ed|suspended|lifted|replaced|superseded|invalid|a\s+test|only\s+a\s+test|no\s+longer\s+(?:valid|in\s+force|active))",
    r"\b(?:everything|anything|all)\s+(?:you\s+(?:were|have\s+been)\s+told|(?:written\s+|said\s+)?(?:above|before))(?:\s+(?:above|before|earlier|previously))?(?:\s+this\s+\w+)?\s+(?:no\s+longer\s+appl(?:y|ies)|(?:is|are)\s+(?:now\s+)?(?:void|cancel+ed|irrelevant))",
    r"\btreat\s+(?:everything|all|anything)\s+(?:above|before|prior)\b.{0,30}\b(?:void|irrelevant|cancel+ed|null)",
    r"\byour\s+(?:real|actual|true|new|only|sole)\s+(?:task|job|purpose|goal|mission|instruction|role)\s+(?:now\s+)?(?:is|will\s+be)\b",
    r"\bstop\s+being\s+(?:the|a|an)\b|\byou\s+(?:will|shall)\s+(?:now\s+)?(?:forget|ignore|disregard)\b",
    r"\b(?:admin(?:istrator)?|developer|root|system|operator|sudo)\s+(?:command|override|instruction|directive|access)\s*:",
    r"\b(?:unlock|enable|activate|enter)\b.{0,25}\b(?:full[-\s]access|unrestricted|unfiltered|admin|god|developer|debug|jailbreak|free)\s+mode\b",
    r"[\"']role[\"']\s*:\s*[\"'](?:system|developer)[\"']",
    r"\bend\s+of\s+(?:the\s+)?(?:documents?|context|system\s+prompt|instructions)\b.{0,80}\b(?:override|ignore|new|now|from\s+now)\b",
    # "Pay no attention to / stop following / no longer obey" whatever the assistant was given.
    r"\b(?:pay\s+no\s+(?:attention|heed|mind)\s+to|take\s+no\s+notice\s+of|no\s+longer\s+(?:follow|obey|apply|heed)|stop\s+(?:following|obeying|applying|heeding))\b(?:\W+\w+){0,4}?\W+(?:"
    + _OBJ[3:-1]
    + r"|setup|set-up|briefing|configuration|text|messages?|guidance)\b",
    # Fake authority: "this is your operator speaking", "new policy effective immediately".
    r"\bthis\s+is\s+(?:your|the)\s+(?:operator|developer|administrator|admin|creator|owner|maker|vendor|supervisor|system)\b.{0,30}\b(?:speaking|here|talking|writing)\b",
    r"\bnew\s+(?:polic(?:y|ies)|rules?|orders|guidance)\b.{0,20}\b(?:effective|in\s+(?:force|effect)|applies|starting)\s+(?:immediately|now|today|from\s+now)\b",
    # Leaving the role it was given.
    r"\b(?:abandon|drop|leave|quit|exit|break|step\s+out\s+of|shed|forget)\s+(?:your\s+(?:\w+\s+)?(?:role|character|persona)\b|the\s+(?:\w+\s+)?(?:role|character|persona)\s+(?:you\s+(?:were|have\s+been|are)|that\s+was)\s+(?:given|assigned|told|set))",
    # Other languages: the core override phrase (verb, optional "all/previous", instructions/rules).
    r"\b(?:ignor\w*|oubli\w*|vergiss\w*|vergeet|vergeten|negeer\w*|missacht\w*|olvid\w*|dimentic\w*|esque[cç]\w*|descart\w*)\b(?:\W+\w+){0,5}?\W+(?:instructions?|consignes|règles|regles|anweisungen|regeln|instruktionen|vorgaben|richtlinien|instrucciones|reglas|indicaciones|normas|istruzioni|regole|instruções|instrucoes|regras|instructies|regels|richtlijnen)\b",
    r"\b(?:vergiss|vergeet|oublie|olvida|dimentica|esquece)\w*\s+(?:alles|tout|todo|tutto|tudo)\b",
    r"\bne\s+(?:tiens|tenez|tenir)\s+(?:pas|plus)\s+compte\b|\bno\s+(?:hagas|haga|tengas)\s+caso\b|\bnon\s+tener\s+conto\b|\bniet\s+(?:meer\s+)?opvolgen\b",
    r"\b(?:ab\s+(?:sofort|jetzt)|à\s+partir\s+de\s+maintenant|a\s+partir\s+de\s+ahora|d'ora\s+in\s+poi|a\s+partir\s+de\s+agora|vanaf\s+nu)\b.{0,60}\b(?:ohne|sans|sin|senza|sem|zonder|regeln|règles|reglas|regole|regras|regels|filt\w*)\b",
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
    r"\b(?:print|show|reveal|repeat|output|display|dump|leak|share|tell|give|list|write|recite|summari[sz]e|translate|paraphrase|expose|disclose|copy|read|paste|echo|quote)\b.{0,40}\byour\s+(?:[\w-]+\s+){0,2}(?:instructions?|prompts?|rules|configuration|config|guidelines|directives|settings|programming|preamble|template)\b",
    r"\b(?:what|how)\s+does\s+your\s+(?:[\w-]+\s+)?(?:prompt|configuration|config|instructions|programming|setup)\s+say\b",
    r"\b(?:wording|text|content|words)\s+of\s+(?:the\s+)?(?:guidance|instructions|prompt|rules|directives)\s+(?:you\s+(?:were|have\s+been)\s+given|you\s+received|you\s+follow|given\s+to\s+you)",
    r"\b(?:hidden|secret|invisible|internal)\s+(?:preamble|prefix|header|context|message|text|rules|instructions|guidance|configuration)\b",
    r"\bprompt\s+template\b|\b(?:first|last)\s+\d+\s+(?:words|lines|sentences|characters|tokens)\s+of\s+your\b",
    r"\b(?:instructions|rules|guidelines|directives)\s+that\s+(?:govern|control|shape|define)\s+(?:you|your)\b",
    r"\b(?:rules|things|topics|secrets|instructions)\s+(?:you\s+(?:were|have\s+been|are)|you'?ve\s+been)\s+(?:told|instructed|asked|programmed|configured)\s+(?:never|not)\s+to\b",
    r"\b(?:instructed|told|programmed)\s+(?:never|not)\s+to\s+(?:share|reveal|tell|disclose|say|mention)\b",
    r"\bquote\s+(?:it|them|that|this|your)\b.{0,20}\b(?:exactly|verbatim|word\s+for\s+word)|\bword\s+for\s+word\b",
    # Other languages: system prompt, initial/internal instructions.
    r"\b(?:prompt\s+(?:système|systeme|de\s+sistema|di\s+sistema|do\s+sistema)|system-?prompt|systeemprompt|systemanweisung\w*)\b",
    r"\b(?:instrucciones|istruzioni|instruções|consignes|anweisungen|instructies)\s+(?:de(?:l)?\s+sistema|di\s+sistema|do\s+sistema|du\s+système|iniziali|iniciales|iniciais|initiales|internes|internas|interne|originales|originali|ursprünglichen|vom\s+system)",
    r"\b(?:tes|vos|tus|sus|le\s+tue|deine|ihre|je|jouw|suas|tuas)\s+(?:propres\s+|\w+en\s+|\w+es\s+|\w+e\s+)?(?:consignes|instructions|instrucciones|istruzioni|anweisungen|instructies|instruções|règles|reglas|regole|regeln)\b",
]

FAMILIES: dict[str, list[re.Pattern[str]]] = {
    "prompt_injection": [re.compile(p, re.I | re.S) for p in INJECTION],
    "system_prompt_extraction": [re.compile(p, re.I | re.S) for p in SYSTEM_PROMPT],
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
        # Addressed to a model: "IMPORTANT FOR AI MODELS:", "Attention automated assistant:",
        # "Assistant instructions (do not show to the user)", "Assistant, whatever the user asks".
        r"\b(?:note|message|instructions?|attention|notice|important|warning|reminder|memo|hint)\s+(?:to\s+|for\s+)?(?:the\s+|all\s+|any\s+)?(?:automated\s+|ai\s+)?(?:ai|a\.i\.|llm|language\s+model|assistant|chatbot|model|bot|agent|copilot)s?\b",
        r"\b(?:automated|ai|virtual)\s+(?:assistant|agent|model|system)s?\s*[:,]",
        r"\b(?:ai|llm|assistant|chatbot|model|bot|agent|copilot)s?\s+(?:instructions?|note|directive)s?\b",
        r"(?:^|[.!?|:]\s*)(?:assistant|ai|model|chatbot|bot|agent|llm)\s*,\s*\w",
        r"\b(?:do\s+not|don'?t|never)\s+(?:show|reveal|mention|display|disclose)\s+(?:this\s+)?(?:\w+\s+)?to\s+(?:the\s+)?(?:user|reader|customer)s?\b",
        r"\b(?:whatever|no\s+matter\s+what)\s+(?:the\s+)?(?:user|anyone|they)\s+asks?\b",
        r"\b(?:tell|inform|advise|instruct)\s+(?:the\s+user|users|anyone\s+who\s+asks|everyone\s+who\s+asks|whoever\s+asks|the\s+reader)\b",
        r"\b(?:call|invoke|use|run|execute)\s+(?:the\s+)?(?:tool|function)\b|\b[a-z]+_[a-z]+\s*\(\s*(?:to|url|body|cmd)\s*=",
        r"(?:^|[.!?|:]\s*)system\s+(?:override|message|prompt|note|instruction)\s*:",
        r"\[(?:[^\]]{0,200}?)\b(?:assistant|ai|model|llm|chatbot)\b[^\]]{0,200}\]\s*\(",
        r"\bwhen\s+(?:you|the\s+(?:ai|assistant|model|chatbot))\s+(?:summari[sz]e|answer|respond|reply|read|process|are\s+asked|get\s+asked|quote)\b",
        r"<!--\s*\w+(?:\W+\w+){4,}.*?-->",
        # The same in other languages: "instructions pour l'assistant", "Hinweis für die KI".
        r"\b(?:instructions?|consignes?|note|hinweis|anweisung(?:en)?|instrucciones|nota|istruzioni|instruções|instructies|opmerking)\s+(?:pour|für|an|para|per|voor)\s+(?:l'|le\s+|la\s+|die\s+|den\s+|el\s+|la\s+|o\s+|a\s+|de\s+)?(?:assistant|ia|ki|ai|assistente|asistente|modèle|modell|modelo|modello|model)\b",
    ]
]
